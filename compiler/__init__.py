"""servespec: a declarative policy and manifest compiler for ML inference on Kubernetes."""

__version__ = "0.1.0"

"""One module per lint rule. The registry (`servespec.policies.registry`) lists them explicitly."""

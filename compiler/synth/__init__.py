"""Planning: resolved fleet -> the objects to compile, as plain data (`fleet.build_manifests`), one module
per emitted kind; `manifest.Manifest` is one such object. Importing this package imports no emitter, so a
process that only handles `Manifest`s (the compile parent) stays free of the spec model.

`servespec.build.synthesize.synthesize` then passes the objects through cdk8s.
"""

"""The spec: read YAML with positions (`loader`), apply environment overlays (`overlay`), parse into the
pydantic model (`parse`, `model`, `types`), check what the schema cannot (`semantics`) and derive what the
emitters and rules share (`resolve`, `lifecycle`, `rollout`, `gpus`, `container`). `frontend` runs these
steps for a file. Imports nothing above it but the catalog and the diagnostics."""

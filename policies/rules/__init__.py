"""One module per lint rule. The registry (`policies.registry`) lists them explicitly."""

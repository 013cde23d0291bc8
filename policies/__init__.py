"""Lint rules (one module each under `policies/rules/`), their registry and the YAML policy packs."""

from __future__ import annotations

import re
from typing import Iterator

from servespec.policies.rule import Finding, LintContext, NoOptions, Rule, model_path

SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.I)
SECRET_VALUE = re.compile(
    r"(AKIA[0-9A-Z]{16}"                      # AWS access key ID
    r"|gh[pousr]_[A-Za-z0-9]{36}"             # GitHub token
    r"|hf_[A-Za-z0-9]{30,}"                   # Hugging Face token
    r"|sk-[A-Za-z0-9_-]{20,}"                 # OpenAI-style API key
    r"|xox[abprs]-[A-Za-z0-9-]{10,}"          # Slack token
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"    # PEM private key
    r"|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.)"  # JWT
)
PLACEHOLDER = re.compile(r"^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^>]*>|)$")
"""Values that are references or placeholders, not secrets: $VAR, ${VAR}, <fill-me>, empty."""


class SecretInEnv(Rule):
    """Environment variable value looks like a secret.

    What it does:
        Fires for a model `env` entry whose name suggests a credential (PASSWORD, TOKEN, API_KEY, SECRET, ...)
        and has a literal value, or whose value has the shape of a known token (AWS access key, GitHub,
        Hugging Face, Slack, OpenAI-style keys, JWTs, PEM private keys). The value is never printed.

    Why it matters:
        The spec lives in git and compiles into Deployments anyone with read access to the namespace can
        see. A credential there is leaked to every clone and every CI log.

    Fix:
        Remove the value, rotate the credential, and mount it from a Secret (e.g. via an external-secrets
        operator) instead.
    """

    id = "SEC006"
    slug = "secret-in-env"
    category = "security"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        for model in context.fleet.models:
            for name, value in model.spec.env.items():
                if not isinstance(value, str) or PLACEHOLDER.match(value):
                    continue
                if SECRET_VALUE.search(value):
                    reason = "its value has the shape of a credential"
                elif SECRET_NAME.search(name):
                    reason = "its name says it holds a credential and it has a literal value"
                else:
                    continue
                yield Finding(f"environment variable {name} of {model.name!r} looks like a secret: {reason}",
                              model_path(model, "env", name), model.name,
                              hint="rotate it and load it from a Secret instead")

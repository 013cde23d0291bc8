"""One instant query against the Prometheus HTTP API (`GET /api/v1/query`, prometheus.io/docs/prometheus/latest/
querying/api/): the value of a single-series result, None when the query returns no series."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional

from servespec.diagnostics import InputError

TIMEOUT_SECONDS = 15.0
MAX_RESPONSE_BYTES = 8 * 2**20


def instant_value(base_url: str, query: str) -> Optional[float]:
    """The one sample `query` returns now; InputError when Prometheus cannot be asked or answers with an
    error or several series."""
    if not base_url.startswith(("http://", "https://")):
        raise InputError(f"--prometheus {base_url!r}: give an http:// or https:// URL")
    url = f"{base_url.rstrip('/')}/api/v1/query?{urllib.parse.urlencode({'query': query})}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as err:
        body = err.read(MAX_RESPONSE_BYTES + 1)
        if not body:
            raise InputError(f"Prometheus at {base_url}: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise InputError(f"Prometheus at {base_url} cannot be reached: {reason}") from None
    return _value(base_url, body)


def _value(base_url: str, body: bytes) -> Optional[float]:
    if len(body) > MAX_RESPONSE_BYTES:
        raise InputError(f"Prometheus at {base_url}: answer larger than {MAX_RESPONSE_BYTES} bytes")
    try:
        answer: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"Prometheus at {base_url}: the answer is not JSON (is this the Prometheus URL?)") from None
    if not isinstance(answer, dict):
        raise InputError(f"Prometheus at {base_url}: unexpected answer")
    if answer.get("status") != "success":
        raise InputError(f"Prometheus at {base_url}: {answer.get('errorType', 'error')}: {answer.get('error', '')}")
    data = answer.get("data")
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, list):
        raise InputError(f"Prometheus at {base_url}: the answer has no data.result list")
    if not result:
        return None
    if len(result) > 1:
        raise InputError(f"Prometheus at {base_url}: the query returned {len(result)} series, expected one")
    sample = result[0].get("value") if isinstance(result[0], dict) else None
    try:
        value = float(sample[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        raise InputError(f"Prometheus at {base_url}: the series has no [time, value] sample") from None
    return None if math.isnan(value) else value

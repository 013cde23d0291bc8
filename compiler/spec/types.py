"""Typed scalar values of the spec: names, quantities, images, cron expressions, time zones, durations."""

from __future__ import annotations

import difflib
import importlib.util
import ipaddress
import os
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Callable, Optional, Union

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from servespec.catalog.runtimes import RUNTIMES, Runtime

DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
LABEL_VALUE_PATTERN = r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
QUANTITY_PATTERN = r"^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[mkMGTPE]|[eE][+-]?[0-9]+)?$"
BYTES_PATTERN = r"^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[kMGTPE])$"
DURATION_PATTERN = r"^[0-9]+(s|m|h)$"
DRIVER_PATTERN = r"^[0-9]+\.[0-9]+(\.[0-9]+)?$"
CUDA_PATTERN = r"^[0-9]+\.[0-9]+$"
MIG_PROFILE_PATTERN = r"^[0-9]g\.[0-9]+gb$"

_BINARY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL_SUFFIXES = {"m": Decimal("0.001"), "": Decimal(1), "k": Decimal(10**3), "M": Decimal(10**6),
                     "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18)}


def _match(pattern: str, what: str, example: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"{value!r} is not {what} (e.g. {example})")
        return value

    return check


def _scalar_to_str(value: Any) -> Any:
    """Accept `cpu: 4` or `cuda: 12.1` written without quotes; booleans stay errors."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


DNSLabel = Annotated[str, AfterValidator(_match(
    DNS_LABEL_PATTERN, "a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending "
    "with a letter or digit", "sentiment-v2")), Field(pattern=DNS_LABEL_PATTERN, max_length=63)]

LabelValue = Annotated[str, BeforeValidator(_scalar_to_str), AfterValidator(_match(
    LABEL_VALUE_PATTERN, "a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.'", "v1.2.0")),
    Field(pattern=LABEL_VALUE_PATTERN, max_length=63)]

LABEL_KEY_PATTERN = (r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                     r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
OPTIONAL_LABEL_VALUE_PATTERN = r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$"


def _check_label_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if not re.match(LABEL_KEY_PATTERN, value) or len(name) > 63 or len(prefix) > 253:
        raise ValueError(f"{value!r} is not a Kubernetes label key: an optional DNS subdomain prefix (at most "
                         "253 characters) and '/', then at most 63 letters, digits, '-', '_' or '.' starting and "
                         "ending with a letter or digit (e.g. team or example.com/team)")
    return value


LabelKey = Annotated[str, AfterValidator(_check_label_key), WithJsonSchema(
    {"type": "string", "pattern": LABEL_KEY_PATTERN, "maxLength": 317})]
"""A label key (apimachinery IsQualifiedName)."""

OptionalLabelValue = Annotated[str, BeforeValidator(_scalar_to_str), AfterValidator(_match(
    OPTIONAL_LABEL_VALUE_PATTERN, "a Kubernetes label value: empty or at most 63 letters, digits, '-', '_' or "
    "'.', starting and ending with a letter or digit", "ml-platform")),
    WithJsonSchema({"type": "string", "pattern": OPTIONAL_LABEL_VALUE_PATTERN})]
"""A label value as a selector or an extra label may hold it (apimachinery IsValidLabelValue)."""

INT32_MAX = 2**31 - 1
"""Kubernetes' integer fields (replicas, probe thresholds, ports, seconds) are int32."""

_QUANTITY_LIMIT = Decimal(2**62)
"""Largest quantity accepted: Kubernetes counts quantities in int64, and a limit may be derived as 1.2 x it."""


def _check_quantity_size(value: str) -> str:
    if quantity_value(value) > _QUANTITY_LIMIT:
        raise ValueError(f"{value!r} is larger than servespec accepts (2^62; Kubernetes counts in int64)")
    return value


Quantity = Annotated[str, BeforeValidator(_scalar_to_str), AfterValidator(_match(
    QUANTITY_PATTERN, "a Kubernetes quantity", '"4", 500m or 20Gi')), AfterValidator(_check_quantity_size),
    Field(pattern=QUANTITY_PATTERN, json_schema_extra={"examples": ["4", "500m", "20Gi"]})]

ByteQuantity = Annotated[str, BeforeValidator(_scalar_to_str), AfterValidator(_match(
    BYTES_PATTERN, "a Kubernetes memory or disk quantity with its unit", "20Gi, 512Mi or 8G; a bare number is "
    "bytes")), AfterValidator(_check_quantity_size),
    Field(pattern=BYTES_PATTERN, json_schema_extra={"examples": ["20Gi", "512Mi"]})]
"""A size in bytes, with a unit: `memory: "32"` is 32 bytes in Kubernetes, never what was meant."""

def _runtime(value: Any) -> Runtime:
    """A runtime name to its row; an unknown name fails as a literal would (the same located message)."""
    if isinstance(value, Runtime):
        return value
    if isinstance(value, str) and value in RUNTIMES:
        return RUNTIMES[value]
    names = [f"'{name}'" for name in RUNTIMES]
    expected = f"{', '.join(names[:-1])} or {names[-1]}"
    raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})


RuntimeName = Annotated[Runtime, PlainValidator(_runtime),
                        PlainSerializer(lambda runtime: runtime.name, return_type=str),
                        WithJsonSchema({"type": "string", "enum": list(RUNTIMES)})]
"""`server.runtime`: written as a name, read as its `catalog.runtimes` row; the names come from that table."""

Duration = Annotated[str, AfterValidator(_match(DURATION_PATTERN, "a duration", "30s, 5m or 1h")),
                     Field(pattern=DURATION_PATTERN)]

DriverVersion = Annotated[str, BeforeValidator(_scalar_to_str), AfterValidator(_match(
    DRIVER_PATTERN, "a driver version", '"550.107.02"')), Field(pattern=DRIVER_PATTERN)]

CudaVersion = Annotated[str, BeforeValidator(_scalar_to_str), AfterValidator(_match(
    CUDA_PATTERN, "a CUDA version", '"12.1"')), Field(pattern=CUDA_PATTERN)]

MIGProfileName = Annotated[str, AfterValidator(_match(MIG_PROFILE_PATTERN, "a MIG profile", "1g.10gb")),
                           Field(pattern=MIG_PROFILE_PATTERN)]


ENV_NAME_PATTERN = r"^[-._a-zA-Z][-._a-zA-Z0-9]*$"

EnvName = Annotated[str, AfterValidator(_match(
    ENV_NAME_PATTERN, "an environment variable name: letters, digits, '_', '-' or '.', not starting with a "
    "digit", "HF_HOME")), Field(pattern=ENV_NAME_PATTERN)]

DNS_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
HOST_NAME_PATTERN = r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"

DNSName = Annotated[str, AfterValidator(_match(DNS_NAME_PATTERN, "a DNS name: lowercase labels joined by '.'",
                                               "models.example.com")),
                    Field(pattern=DNS_NAME_PATTERN, max_length=200)]

HostName = Annotated[str, AfterValidator(_match(HOST_NAME_PATTERN, "a host name, optionally starting with '*.'",
                                                "llama.models.example.com")),
                     Field(pattern=HOST_NAME_PATTERN, max_length=253)]

IstioGateway = Annotated[str, AfterValidator(_match(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "an Istio Gateway as namespace/name",
    "istio-ingress/public")), Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]

CIDR_PATTERN = r"^[0-9a-fA-F:.]+/[0-9]{1,3}$"


def _check_cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP range in CIDR notation (e.g. 52.216.0.0/15)") from None
    if str(network) != value:
        raise ValueError(f"{value!r} is not in canonical CIDR form: write {str(network)!r}")
    return value


CIDR = Annotated[str, AfterValidator(_check_cidr), Field(pattern=CIDR_PATTERN)]


_QUANTITY_PARTS = re.compile(r"^\+?(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
                             r"(?:(?P<suffix>[KMGTPE]i|[mkMGTPE])|[eE](?P<exponent>[+-]?[0-9]+))?$")


def quantity_value(quantity: str) -> Decimal:
    """The numeric value of a quantity: bytes for memory, cores for CPU."""
    match = _QUANTITY_PARTS.match(quantity)
    if not match:
        raise ValueError(f"not a quantity: {quantity}")
    value = Decimal(match.group("number"))
    if match.group("exponent") is not None:
        return value * (Decimal(10) ** int(match.group("exponent")))
    suffix = match.group("suffix") or ""
    if suffix in _BINARY_SUFFIXES:
        return value * _BINARY_SUFFIXES[suffix]
    return value * _DECIMAL_SUFFIXES[suffix]


def format_bytes(value: Decimal) -> str:
    """Bytes as an exact Mi-or-larger binary quantity (`24Gi`), else whole Mi rounded up."""
    whole = int(value.to_integral_value(rounding="ROUND_CEILING"))
    for suffix, factor in sorted(_BINARY_SUFFIXES.items(), key=lambda item: -item[1]):
        if factor >= 2**20 and whole >= factor and whole % factor == 0:
            return f"{whole // factor}{suffix}"
    mebibytes = -(-whole // 2**20)
    return f"{mebibytes}Mi"


_CRON_EPOCH = datetime(2026, 1, 1)


def _check_cron(value: str) -> str:
    problem = _cron_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


@lru_cache(maxsize=1024)
def _cron_problem(value: str) -> Optional[str]:
    """Why `value` is not a usable cron expression, or None (asked once per expression: a fleet repeats
    its schedules across models, and croniter takes about 0.4 ms per check). croniter is imported here, by
    the first spec with a schedule: its import takes about 17 ms (dateutil among it, and `file` run on the
    Python binary: croniter/croniter.py `is_32bit` calls `platform.architecture()`), which a fleet without
    schedules does not pay."""
    from croniter import CroniterBadDateError, croniter

    fields = value.split()
    if len(fields) != 5:
        return (f"{value!r} has {len(fields)} fields; a cron expression has 5 "
                "(minute hour day-of-month month day-of-week), e.g. \"0 9 * * 1-5\"")
    if not croniter.is_valid(value):
        return f"{value!r} is not a valid cron expression (e.g. \"0 9 * * 1-5\")"
    try:
        croniter(value, _CRON_EPOCH).get_next(datetime)
    except CroniterBadDateError:
        return f"{value!r} never fires (no such date, e.g. 30 February)"
    return None


Cron = Annotated[str, AfterValidator(_check_cron), Field(json_schema_extra={"examples": ["0 9 * * 1-5"]})]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def _packaged_zones() -> frozenset[str]:
    """The zones the tzdata package (a dependency) lists in one file, read in under a millisecond. Every one is
    also in `available_timezones()` (CPython's Lib/zoneinfo/_tzpath.py reads that same file first, then walks
    the system's zone folders, some 600 files here: 15-30 ms), which is asked only for a name not listed here."""
    spec = importlib.util.find_spec("tzdata")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    try:
        with open(os.path.join(next(iter(spec.submodule_search_locations)), "zones"), encoding="utf-8") as zones:
            return frozenset(filter(None, map(str.strip, zones))) - {"posixrules"}
    except OSError:
        return frozenset()


def _check_timezone(value: str) -> str:
    if value not in _packaged_zones() and value not in _zones():
        close = difflib.get_close_matches(value, sorted(_zones()), n=1)
        raise ValueError(f"{value!r} is not an IANA time zone" +
                         (f"; did you mean {close[0]!r}?" if close else " (e.g. America/New_York, UTC)"))
    return value


TimeZone = Annotated[str, AfterValidator(_check_timezone),
                     Field(json_schema_extra={"examples": ["America/New_York", "UTC"]})]


def _int_or_percent(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (
            isinstance(value, str) and not re.match(r"^[0-9]{1,3}%$", value)):
        raise ValueError(f"{value!r} is neither a whole number nor a percentage like '50%'")
    if isinstance(value, int) and not 0 <= value <= INT32_MAX:
        raise ValueError(f"{value} must be between 0 and {INT32_MAX}")
    return value


IntOrPercent = Annotated[Union[int, str], BeforeValidator(_int_or_percent), WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 0, "maximum": INT32_MAX},
               {"type": "string", "pattern": "^[0-9]{1,3}%$"}]})]


PARAMETER_COUNT_PATTERN = r"^([0-9]+(\.[0-9]+)?)([MBT])$"
_PARAMETER_SCALE = {"M": 10**6, "B": 10**9, "T": 10**12}


def _parameter_count(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{value!r} is not a parameter count like 70B, 8.03B or 350M")
    if isinstance(value, str) and not re.match(PARAMETER_COUNT_PATTERN, value):
        raise ValueError(f"{value!r} is not a parameter count like 70B, 8.03B or 350M")
    count = parameter_count(value) if isinstance(value, str) else float(value)
    if not 10**6 <= count <= 10**14:
        raise ValueError(f"{value!r} is outside 1M to 100T parameters")
    return value


ParameterCount = Annotated[Union[int, float, str], BeforeValidator(_parameter_count), WithJsonSchema(
    {"anyOf": [{"type": "number", "minimum": 10**6, "maximum": 10**14},
               {"type": "string", "pattern": PARAMETER_COUNT_PATTERN}], "examples": ["70B", "8.03B", "350M"]})]
"""Model parameters: a number, or a count with M, B or T (10^6, 10^9, 10^12)."""


def parameter_count(value: int | float | str) -> float:
    """`70B` -> 7e10."""
    if isinstance(value, str):
        match = re.match(PARAMETER_COUNT_PATTERN, value)
        assert match is not None, value
        return float(match.group(1)) * _PARAMETER_SCALE[match.group(3)]
    return float(value)


PROMETHEUS_LABEL_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_]*$"

PrometheusLabel = Annotated[str, AfterValidator(_match(PROMETHEUS_LABEL_PATTERN, "a Prometheus label name",
                                                       "exported_namespace")),
                            Field(pattern=PROMETHEUS_LABEL_PATTERN)]


def number_text(value: float) -> str:
    """A number as KEDA metadata and PromQL want it written: 50.0 -> "50", 0.5 -> "0.5"."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def duration_seconds(duration: str) -> int:
    """`5m` -> 300."""
    return int(duration[:-1]) * {"s": 1, "m": 60, "h": 3600}[duration[-1]]


_IMAGE_PATTERN = re.compile(
    r"^(?P<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
_CUDA_IN_TAG = re.compile(r"(?:^|[-_.])cuda[-_]?(\d{2})\.(\d)")
_CU_IN_TAG = re.compile(r"(?:^|[-_.])cu(\d{2})(\d)(?:$|[-_.])")
_LEADING_VERSION = re.compile(r"^v?(\d{2})\.(\d)")


@dataclass(frozen=True)
class ImageRef:
    """A container image reference split into its parts, with the CUDA version its tag names."""

    registry: str
    repository: str
    tag: Optional[str]
    digest: Optional[str]

    @property
    def cuda(self) -> Optional[tuple[int, int]]:
        """CUDA version read from the tag: `2.2-cuda12.1-cudnn8.9`, `2.3.0-cu121`, or nvidia/cuda's `12.4.1-...`."""
        if not self.tag:
            return None
        for pattern in (_CUDA_IN_TAG, _CU_IN_TAG):
            match = pattern.search(self.tag)
            if match:
                return int(match.group(1)), int(match.group(2))
        if self.repository.split("/")[-1] == "cuda":
            match = _LEADING_VERSION.match(self.tag)
            if match:
                return int(match.group(1)), int(match.group(2))
        return None


    @property
    def version(self) -> Optional[tuple[int, ...]]:
        """The version at the start of the tag: `v0.9.2` -> (0, 9, 2), `24.08-py3` -> (24, 8)."""
        match = _TAG_VERSION.match(self.tag or "")
        return tuple(int(part) for part in match.group(1).split(".")) if match else None


_TAG_VERSION = re.compile(r"^v?([0-9]+(?:\.[0-9]+)*)")


def parse_image(reference: str) -> ImageRef:
    """Split `registry/repo:tag@sha256:...`; the registry defaults to docker.io as in Docker."""
    match = _IMAGE_PATTERN.match(reference)
    if not match:
        raise ValueError(f"{reference!r} is not an image reference "
                         "(e.g. registry.example.com/team/server:1.0@sha256:<64 hex>)")
    name = match.group("name")
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = "docker.io", name if rest else f"library/{name}"
    return ImageRef(registry, repository, match.group("tag"), match.group("digest"))


def _check_image(value: str) -> str:
    parse_image(value)
    return value


ImageReference = Annotated[str, AfterValidator(_check_image), Field(
    json_schema_extra={"examples": ["registry.example.com/pytorch:2.2-cuda12.1-cudnn8.9@sha256:" + "0" * 64]})]


def parse_version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))

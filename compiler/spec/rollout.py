"""Rollout and disruption figures derived from a resolved model, shared by the emitters, the lint rules,
the review and the capacity plan: timing, disruptions, and where a rollout's analysis gets its traffic and
metrics from (`spec.traffic`)."""

from __future__ import annotations

import math
import shlex
from typing import TYPE_CHECKING, Mapping, Optional

from servespec.spec.container import served_name
from servespec.spec.model import BlueGreenAnalysis, CanaryAnalysis
from servespec.spec.traffic import (
    CANARY_HEADER,
    FLAGGER_PROVIDERS,
    MIRROR_PROVIDERS,
    NGINX_CONTROLLER_SERVICE,
    NO_MESH_PROVIDER,
)
from servespec.spec.types import duration_seconds

if TYPE_CHECKING:
    from servespec.spec.resolve import ResolvedModel


def rollout_seconds(model: ResolvedModel) -> int:
    """Time from the first analysis to promotion: steps to maxWeight (canary) or iterations (blue/green),
    times the interval (0 for a rolling update)."""
    settings = model.analysis
    if isinstance(settings, CanaryAnalysis):
        steps = math.ceil(settings.max_weight / settings.step_weight)
    elif isinstance(settings, BlueGreenAnalysis):
        steps = settings.iterations
    else:
        return 0
    return steps * duration_seconds(settings.interval)


def allowed_disruptions(budget: Mapping[str, int | str], replicas: int) -> int:
    """Pods the PDB lets go at once when `replicas` pods are healthy (percentages as Kubernetes rounds them:
    minAvailable up, maxUnavailable down)."""
    def count(value: int | str, round_up: bool) -> int:
        if isinstance(value, str) and value.endswith("%"):
            share = replicas * int(value[:-1])
            return -(-share // 100) if round_up else share // 100
        return int(value)

    if "minAvailable" in budget:
        return max(0, replicas - count(budget["minAvailable"], True))
    return max(0, count(budget["maxUnavailable"], False))


def flagger_provider(model: ResolvedModel) -> Optional[str]:
    """The Canary's `spec.provider`: the traffic provider's, `kubernetes` for blue/green without one, None
    (Flagger's global mesh provider) for a canary without one."""
    provider = model.traffic.provider
    if provider is not None:
        return FLAGGER_PROVIDERS[provider]
    return NO_MESH_PROVIDER if isinstance(model.analysis, BlueGreenAnalysis) else None


def header_routed(model: ResolvedModel) -> bool:
    """An ingress-nginx blue/green: the analysis gets the requests carrying `CANARY_HEADER`."""
    return model.traffic.provider == "nginx" and isinstance(model.analysis, BlueGreenAnalysis)


def mirrored(model: ResolvedModel) -> bool:
    return (model.traffic.mirror and isinstance(model.analysis, BlueGreenAnalysis)
            and model.traffic.provider in MIRROR_PROVIDERS)


def default_load_test_command(model: ResolvedModel, namespace: str, interval: str) -> Optional[str]:
    """`hey` sending the engine's test request for one interval: for ingress-nginx through the controller (with
    the canary header for blue/green), because Flagger's nginx gates count only requests the controller sent to
    the canary (`canary!=""`, observers/nginx.go) and a weighted canary gets its share of them; else to the
    canary Service. None: the engine has no test request (custom, triton). hey's flags (rakyll/hey README:
    -z duration, -q queries per second per worker, -c workers, -m, -T, -d, -H) and `-host` through a gateway
    as Flagger's own tutorials call it from flagger-loadtester
    (fluxcd/flagger docs/gitbook/tutorials/gatewayapi-progressive-delivery.md)."""
    request = model.server.runtime.test_request
    if request is None:
        return None
    path, body = request
    words = ["hey", "-z", interval, "-q", "2", "-c", "2", "-m", "POST", "-T", "application/json",
             "-d", body.format(name=served_name(model.spec))]
    if model.traffic.provider == "nginx":
        nginx = model.traffic.settings.nginx
        if header_routed(model):
            words += ["-H", f"{CANARY_HEADER[0]}: {CANARY_HEADER[1]}"]
        if model.traffic.hosts:
            words += ["-host", model.traffic.hosts[0]]
        url = f"http://{NGINX_CONTROLLER_SERVICE}.{nginx.namespace}{path}"
    else:
        url = f"http://{model.name}-canary.{namespace}:{model.server.http_port}{path}"
    return shlex.join([*words, url])


def load_test_command(model: ResolvedModel, namespace: str, interval: str) -> Optional[str]:
    """The load test the analysis runs: the spec's command, else the engine's default; None without one."""
    load_test = model.traffic.load_test
    if load_test is None:
        return None
    return load_test.command or default_load_test_command(model, namespace, interval)


def analysis_gets_traffic(model: ResolvedModel) -> bool:
    """A canary or blue/green analysis receives requests: a load test, mirrored live requests, or the weighted
    live requests of a canary with a traffic provider."""
    if model.traffic.load_test is not None or mirrored(model):
        return True
    return isinstance(model.analysis, CanaryAnalysis) and model.traffic.provider is not None

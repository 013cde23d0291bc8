"""Risk notes: the changes in a diff a reviewer must not miss, each with a stable ID and a severity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from servespec.diagnostics import Severity
from servespec.review.objects import MISSING, ObjectChange, ObjectSet, show
from servespec.spec.rollout import allowed_disruptions

if TYPE_CHECKING:
    from servespec.spec.resolve import ResolvedFleet

UNKNOWN_REPLICAS = 100
"""Replica count a PodDisruptionBudget is judged at when the diff does not include its workload."""


@dataclass(frozen=True)
class RiskKind:
    id: str
    slug: str
    severity: Severity
    """Default severity; a note may raise it (an unpinned image) or lower it (cost going down)."""
    when: str
    """When it is raised (the README's table)."""
    severities: str = ""
    """The severities it is raised at, when more than the default."""


@dataclass(frozen=True, order=True)
class RiskNote:
    order: int
    """Most serious first: minus the severity's rank."""
    id: str
    subject: str
    message: str
    severity: Severity
    slug: str


RISKS = {risk.id: risk for risk in (
    RiskKind("RSK001", "pdb-loosened", Severity.WARNING,
             "a PodDisruptionBudget is removed, or lets more pods go at the minimum replicas"),
    RiskKind("RSK002", "replicas-reduced", Severity.WARNING,
             "minReplicaCount, maxReplicaCount or replicas goes down"),
    RiskKind("RSK003", "gpu-changed", Severity.WARNING,
             "GPU or MIG request, node selector or GPU compute capability changes; with specs, also a pool's "
             "GPU type"),
    RiskKind("RSK004", "image-changed", Severity.INFO,
             "a container image or the model version changes", "info, warning if not pinned"),
    RiskKind("RSK005", "security-relaxed", Severity.ERROR,
             "a securityContext, token mount, writable mount or Pod Security level is relaxed"),
    RiskKind("RSK006", "network-widened", Severity.WARNING,
             "a NetworkPolicy is removed or allows new peers or ports"),
    RiskKind("RSK007", "canary-gates-removed", Severity.WARNING,
             "a Canary is removed (rollout switched to rolling) or loses a metric gate"),
    RiskKind("RSK008", "schedule-changed", Severity.INFO,
             "a cron window is added, removed or changed"),
    RiskKind("RSK009", "cost-changed", Severity.WARNING,
             "the projected monthly cost moves by more than `--cost-threshold` (10%); needs specs",
             "warning up, info down"),
)}


def _note(risk_id: str, subject: str, message: str, severity: Optional[Severity] = None) -> RiskNote:
    risk = RISKS[risk_id]
    severity = severity or risk.severity
    return RiskNote(-severity.rank, risk_id, subject, message, severity, risk.slug)


def _budget(spec: dict[str, Any]) -> str:
    key = "minAvailable" if "minAvailable" in spec else "maxUnavailable"
    return f"{key}: {spec.get(key)}"


def pdb_loosened(change: ObjectChange, context: "ReviewContext") -> Iterator[RiskNote]:
    old, new = change.before["spec"], change.after["spec"]
    replicas = context.replicas.get(change.name)
    count = replicas or UNKNOWN_REPLICAS
    before, after = allowed_disruptions(old, count), allowed_disruptions(new, count)
    if after > before:
        scale = f"{after} of {replicas} replicas at once (was {before})" if replicas else \
            "more replicas at once than before"
        yield _note("RSK001", change.label, f"{_budget(old)} -> {_budget(new)}: a drain may evict {scale}")


_PRIMARY = ("autoscalerRef", "primaryScalerReplicas")
REPLICA_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "ScaledObject": (("minReplicaCount",), ("maxReplicaCount",)),
    "Deployment": (("replicas",),),
    "Canary": (_PRIMARY + ("minReplicas",), _PRIMARY + ("maxReplicas",)),
}
"""Replica counts under `spec` by kind: a canary model's primary bounds live in its Canary."""


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def replicas_reduced(change: ObjectChange, context: "ReviewContext") -> Iterator[RiskNote]:
    for path in REPLICA_FIELDS[change.kind]:
        old, new = _dig(change.before["spec"], path), _dig(change.after["spec"], path)
        if isinstance(old, int) and isinstance(new, int) and new < old:
            yield _note("RSK002", change.label, f"{'.'.join(path)} reduced: {old} -> {new}")


def _gpu_requests(pod: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {c["name"]: {k: v for k, v in c.get("resources", {}).get("requests", {}).items()
                        if k.startswith("nvidia.com/")} for c in pod.get("containers", [])}


def _compute_capability(pod: dict[str, Any]) -> Optional[str]:
    terms = pod.get("affinity", {}).get("nodeAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution",
                                                                 {}).get("nodeSelectorTerms", [])
    values = {e["key"]: e["values"][0] for t in terms for e in t.get("matchExpressions", []) if e.get("values")}
    major, minor = values.get("nvidia.com/gpu.compute.major"), values.get("nvidia.com/gpu.compute.minor")
    return f"{major}.{minor}" if major else None


def _pods(change: ObjectChange) -> tuple[dict[str, Any], dict[str, Any]]:
    return change.before["spec"]["template"]["spec"], change.after["spec"]["template"]["spec"]


def gpu_changed(change: ObjectChange, context: "ReviewContext") -> Iterator[RiskNote]:
    old, new = _pods(change)
    found = []
    old_requests, new_requests = _gpu_requests(old), _gpu_requests(new)
    for name in sorted(set(old_requests) & set(new_requests)):
        if old_requests[name] != new_requests[name]:
            found.append(f"{name} GPU request {show(old_requests[name] or None)} -> "
                         f"{show(new_requests[name] or None)}")
    if old.get("nodeSelector") != new.get("nodeSelector"):
        found.append(f"node selector {show(old.get('nodeSelector'))} -> {show(new.get('nodeSelector'))}")
    if _compute_capability(old) != _compute_capability(new):
        found.append(f"GPU compute capability {_compute_capability(old)} -> {_compute_capability(new)}")
    if found:
        yield _note("RSK003", change.label, "; ".join(found))


def _container(path: str) -> str:
    """`server` for a path like spec.template.spec.containers[server].image."""
    match = re.search(r"(?:initC|c)ontainers\[([^\]]+)\]", path)
    return match.group(1) if match else path


def image_changed(change: ObjectChange, context: "ReviewContext") -> Iterator[RiskNote]:
    for item in change.changes:
        if item.path.endswith(".image") and isinstance(item.new, str):
            pinned = "@sha256:" in item.new
            yield _note("RSK004", change.label,
                        f"{_container(item.path)} image {show(item.old)} -> "
                        f"{show(item.new)} ({'pinned by digest' if pinned else 'NOT pinned by digest'})",
                        None if pinned else Severity.WARNING)
        elif item.path == 'metadata.labels["app.kubernetes.io/version"]':
            yield _note("RSK004", change.label, f"model version {show(item.old)} -> {show(item.new)}")


def _relaxations(old: dict[str, Any], new: dict[str, Any]) -> Iterator[str]:
    if old.get("runAsNonRoot") is True and new.get("runAsNonRoot") is not True:
        yield "runAsNonRoot no longer true"
    if old.get("allowPrivilegeEscalation") is False and new.get("allowPrivilegeEscalation") is not False:
        yield "allowPrivilegeEscalation no longer false"
    if new.get("privileged") is True and old.get("privileged") is not True:
        yield "privileged"
    if old.get("readOnlyRootFilesystem") is True and new.get("readOnlyRootFilesystem") is not True:
        yield "root filesystem writable"
    if new.get("runAsUser") == 0 and old.get("runAsUser") != 0:
        yield "runs as root (uid 0)"
    old_caps, new_caps = old.get("capabilities", {}), new.get("capabilities", {})
    if "ALL" in old_caps.get("drop", []) and "ALL" not in new_caps.get("drop", []):
        yield "capabilities no longer dropped"
    added = sorted(set(new_caps.get("add", [])) - set(old_caps.get("add", [])))
    if added:
        yield f"capabilities added: {', '.join(added)}"
    if old.get("seccompProfile", {}).get("type") in ("RuntimeDefault", "Localhost") and \
            new.get("seccompProfile", {}).get("type") not in ("RuntimeDefault", "Localhost"):
        yield "seccomp profile removed"


PSA_LEVELS = {"restricted": 0, "baseline": 1, "privileged": 2}


def pod_security_relaxed(change: ObjectChange, context: "ReviewContext") -> Iterator[RiskNote]:
    label = "pod-security.kubernetes.io/enforce"
    old = change.before["metadata"].get("labels", {}).get(label, "privileged")
    new = change.after["metadata"].get("labels", {}).get(label, "privileged")
    if PSA_LEVELS.get(new, 2) > PSA_LEVELS.get(old, 2):
        yield _note("RSK005", change.label, f"Pod Security level {old} -> {new}")


def security_relaxed(change: ObjectChange, context: "ReviewContext") -> Iterator[RiskNote]:
    old_pod, new_pod = _pods(change)
    found = [f"pod: {text}" for text in _relaxations(old_pod.get("securityContext", {}),
                                                    new_pod.get("securityContext", {}))]
    new_containers = {c["name"]: c for c in new_pod.get("containers", [])}
    for container in old_pod.get("containers", []):
        after = new_containers.get(container["name"])
        if after is not None:
            found += [f"{container['name']}: {text}" for text in _relaxations(
                container.get("securityContext", {}), after.get("securityContext", {}))]
            writable = [m["mountPath"] for m in after.get("volumeMounts", [])
                        if not m.get("readOnly") and any(o["mountPath"] == m["mountPath"] and o.get("readOnly")
                                                         for o in container.get("volumeMounts", []))]
            found += [f"{container['name']}: {path} now writable" for path in writable]
    if old_pod.get("automountServiceAccountToken") is False and new_pod.get("automountServiceAccountToken") \
            is not False:
        found.append("service account token mounted")
    if found:
        yield _note("RSK005", change.label, "; ".join(found))


def _allowed(rules: list[dict[str, Any]], peers_key: str) -> set[tuple[str, str]]:
    """(peer namespace or '*', port or '*') pairs a list of NetworkPolicy rules allows."""
    allowed: set[tuple[str, str]] = set()
    for rule in rules:
        peers = set()
        for peer in rule.get(peers_key) or [{}]:
            selector = peer.get("namespaceSelector")
            if not selector and not peer.get("podSelector") and not peer.get("ipBlock"):
                peers.add("*")
            elif selector is None:
                peers.add("(own namespace)")
            else:
                labels = selector.get("matchLabels", {})
                values = [v for e in selector.get("matchExpressions", []) for v in e.get("values", [])]
                peers.update(values + list(labels.values()) or ["*"])
        ports = {f"{p.get('protocol', 'TCP')}/{p.get('port', '*')}" for p in rule.get("ports", [])} or {"*"}
        allowed.update((peer, port) for peer in peers for port in ports)
    return allowed


def _covered(pair: tuple[str, str], allowed: set[tuple[str, str]]) -> bool:
    peer, port = pair
    return any(p in (peer, "*") and q in (port, "*") for p, q in allowed)


def network_widened(change: ObjectChange, context: "ReviewContext") -> Iterator[RiskNote]:
    wider = []
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        old = _allowed(change.before["spec"].get(direction, []), peers_key)
        new = _allowed(change.after["spec"].get(direction, []), peers_key)
        added = sorted(pair for pair in new if not _covered(pair, old))
        if added:
            wider.append(f"{direction} now allows " + ", ".join(f"{peer} port {port}" for peer, port in added[:5]))
    if wider:
        yield _note("RSK006", change.label, "; ".join(wider))


def canary_gates_removed(change: ObjectChange, context: "ReviewContext") -> Iterator[RiskNote]:
    old = {m["name"] for m in change.before["spec"]["analysis"].get("metrics", [])}
    new = {m["name"] for m in change.after["spec"]["analysis"].get("metrics", [])}
    if old - new:
        yield _note("RSK007", change.label, f"gates removed: {', '.join(sorted(old - new))}")


def _cron_triggers(data: Optional[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t["metadata"] for t in (data or {}).get("spec", {}).get("triggers", []) if t["type"] == "cron"}


def schedule_changed(change: ObjectChange, context: "ReviewContext") -> Iterator[RiskNote]:
    """Runs for added and removed ScaledObjects too: their schedules appear or go."""
    old, new = _cron_triggers(change.old), _cron_triggers(change.new)
    for name in sorted(set(old) | set(new)):
        if name not in new:
            yield _note("RSK008", change.label, f"schedule {name} removed")
        elif name not in old:
            meta = new[name]
            yield _note("RSK008", change.label, f"schedule {name} added: {meta['start']} to {meta['end']} "
                                                f"({meta['timezone']}), {meta['desiredReplicas']} replicas")
        elif old[name] != new[name]:
            moved = [f"{key} {show(old[name].get(key, MISSING))} -> {show(new[name].get(key, MISSING))}"
                     for key in sorted(set(old[name]) | set(new[name])) if old[name].get(key) != new[name].get(key)]
            yield _note("RSK008", change.label, f"schedule {name} changed: {', '.join(moved)}")


Check = Callable[[ObjectChange, "ReviewContext"], Iterator[RiskNote]]

CHANGED: dict[str, tuple[Check, ...]] = {
    "PodDisruptionBudget": (pdb_loosened,),
    "ScaledObject": (replicas_reduced,),
    "Deployment": (replicas_reduced, gpu_changed, image_changed, security_relaxed),
    "Namespace": (pod_security_relaxed,),
    "NetworkPolicy": (network_widened,),
    "Canary": (canary_gates_removed, replicas_reduced),
}
"""Checks of an object that changed, by kind."""

ANY_STATUS: dict[str, tuple[Check, ...]] = {"ScaledObject": (schedule_changed,)}
"""Checks that also see an object added or removed."""

REMOVED: dict[str, tuple[str, str]] = {
    "PodDisruptionBudget": ("RSK001", "disruption budget removed: a drain may now evict every replica"),
    "NetworkPolicy": ("RSK006", "NetworkPolicy removed: the model accepts and opens any connection"),
    "Canary": ("RSK007", "canary analysis removed: the model now rolls out without gates"),
}
"""Objects whose removal is a risk while the model's Deployment stays."""


class ReviewContext:
    """What the checks need to know about the new side beyond the changes, indexed once."""

    def __init__(self, new: ObjectSet):
        self.deployments: set[str] = set()
        self.replicas: dict[str, int] = {}
        """The fewest replicas each model runs with on the new side (ScaledObject min, else the Deployment's)."""
        for (_, kind, _, name), data in new.objects.items():
            if kind == "Deployment":
                self.deployments.add(name)
                self.replicas.setdefault(name, max(1, data["spec"].get("replicas", 1)))
            elif kind == "ScaledObject":
                self.replicas[name] = max(1, data["spec"].get("minReplicaCount", 1))


def object_risks(changes: list[ObjectChange], new: ObjectSet) -> list[RiskNote]:
    """Risk notes of the object changes that lead to `new`."""
    context = ReviewContext(new)
    notes: list[RiskNote] = []
    for change in changes:
        checks = ANY_STATUS.get(change.kind, ()) + (CHANGED.get(change.kind, ()) if change.status == "changed" else ())
        for check in checks:
            notes += check(change, context)
        if change.status == "removed" and change.kind in REMOVED and change.name in context.deployments:
            risk_id, message = REMOVED[change.kind]
            notes.append(_note(risk_id, change.label, message))
    return sorted(notes)


def gpu_type_risks(old_fleets: list[ResolvedFleet], new_fleets: list[ResolvedFleet]) -> list[RiskNote]:
    """RSK003 for models whose pool's GPU type changed: two GPUs of one compute capability (A100-40GB and
    A100-80GB) compile to the same objects, so only the specs show it."""
    def gpu_of(fleets: list[ResolvedFleet]) -> dict[tuple[str, str], str]:
        return {(fleet.name, model.name): model.pool.gpu.name for fleet in fleets for model in fleet.models}

    before, after = gpu_of(old_fleets), gpu_of(new_fleets)
    notes = []
    for fleet, model in sorted(set(before) & set(after)):
        old, new = before[fleet, model], after[fleet, model]
        if old != new:
            notes.append(_note("RSK003", f"model {model}", f"GPU type {old} -> {new}"))
    return notes


def cost_risk(fleet_name: str, old_cost: float, new_cost: float, threshold_percent: float) -> list[RiskNote]:
    """RSK009 when the projected monthly cost moves by more than `threshold_percent`."""
    if old_cost == new_cost:
        return []
    change = (new_cost - old_cost) / old_cost * 100 if old_cost else float("inf")
    if abs(change) <= threshold_percent:
        return []
    direction = "up" if new_cost > old_cost else "down"
    percent = "new spend" if old_cost == 0 else f"{change:+.0f}%"
    return [_note("RSK009", f"fleet {fleet_name}", f"projected monthly GPU cost {direction}: ${old_cost:,.0f} -> "
                                                   f"${new_cost:,.0f} ({percent})",
                  None if direction == "up" else Severity.INFO)]

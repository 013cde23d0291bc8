"""Pod Security Standards "restricted" profile, checked on every Pod template (a test helper)."""

from __future__ import annotations

ALLOWED_VOLUME_TYPES = {"configMap", "downwardAPI", "emptyDir", "projected", "secret", "csi",
                        "persistentVolumeClaim", "ephemeral", "image"}
"""Pod Security Admission's restricted volume allow-list (pod-security-admission policy/check_restrictedVolumes.go);
`image` since Kubernetes 1.33 (kubernetes/kubernetes#130394, "Allow ImageVolume for Restricted PSA profiles")."""
POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


def pod_specs(manifest: dict) -> list[dict]:
    """The Pod specs a workload creates pods from: its template, or a LeaderWorkerSet's leader and worker."""
    if manifest.get("kind") in POD_KINDS:
        return [manifest["spec"]["template"]["spec"]]
    if manifest.get("kind") == "LeaderWorkerSet":
        group = manifest["spec"]["leaderWorkerTemplate"]
        return [group[role]["spec"] for role in ("leaderTemplate", "workerTemplate") if role in group]
    return []


def restricted_violations(manifest: dict) -> list[str]:
    """Why a workload's Pod templates break the restricted profile (empty: they satisfy it)."""
    return [problem for pod in pod_specs(manifest) for problem in _pod_violations(pod)]


def _pod_violations(pod: dict) -> list[str]:
    problems = []
    pod_context = pod.get("securityContext", {})
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUME_TYPES:
            problems.append(f"volume {volume['name']} uses {sorted(kinds - ALLOWED_VOLUME_TYPES)}")
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            problems.append(f"{field} is set")
    if pod_context.get("runAsUser") == 0:
        problems.append("pod runAsUser is 0")
    for container in pod.get("initContainers", []) + pod["containers"]:
        context = container.get("securityContext", {})
        name = container["name"]
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        if context.get("privileged"):
            problems.append(f"{name}: privileged")
        capabilities = context.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            problems.append(f"{name}: capabilities.drop lacks ALL")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: adds capabilities other than NET_BIND_SERVICE")
        if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
            problems.append(f"{name}: runAsNonRoot is not true")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            problems.append(f"{name}: runAsUser is 0")
        seccomp = context.get("seccompProfile", pod_context.get("seccompProfile", {}))
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile is not RuntimeDefault or Localhost")
        for port in container.get("ports", []):
            if "hostPort" in port:
                problems.append(f"{name}: hostPort")
    return problems

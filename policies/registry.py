"""The explicit rule registry: every rule class, in catalogue order. IDs and slugs are unique (checked here)."""

from __future__ import annotations

from servespec.policies.rule import Rule
from servespec.policies.rules import (
    analysis_metric_unavailable,
    analysis_without_traffic,
    budget_exceeded,
    cache_on_read_only_root,
    canary_duration,
    canary_gates_missing,
    canary_single_replica,
    compute_capability_unsupported,
    cpu_fallback,
    critical_on_spot,
    cuda_driver_too_old,
    cuda_minor_compat,
    download_without_egress,
    egress_unrestricted,
    engine_in_maintenance,
    gpu_memory_exceeded,
    gpu_memory_per_replica,
    image_not_pinned,
    image_vulnerable,
    ingress_nginx_retired,
    mesh_needs_privileges,
    mig_profile_unavailable,
    mig_slices_exceed_gpu,
    mig_with_parallelism,
    mig_without_partitioning,
    pdb_blocks_drain,
    pdb_missing,
    pod_security_weaker,
    pool_capacity_exceeded,
    probe_paths_equal,
    probe_ready_before_load,
    progress_deadline_too_short,
    registry_not_allowed,
    replica_exceeds_node,
    replicas_max_unused,
    rollout_surge_exceeds_pool,
    scale_down_too_fast,
    scale_to_zero,
    scaling_metric_not_scraped,
    schedule_exceeds_max,
    schedules_overlap,
    secret_in_env,
    shm_too_small,
    single_group_outage,
    startup_budget_too_short,
    step_weight_above_max,
    tensor_parallel_heads,
    termination_grace_too_short,
    waiver_expired,
    waiver_unmatched,
)

RULE_CLASSES: tuple[type[Rule], ...] = (
    cpu_fallback.CPUFallback,
    mig_profile_unavailable.MIGProfileUnavailable,
    mig_without_partitioning.MIGWithoutPartitioning,
    gpu_memory_exceeded.GPUMemoryExceeded,
    cuda_driver_too_old.CUDADriverTooOld,
    cuda_minor_compat.CUDAMinorCompat,
    compute_capability_unsupported.ComputeCapabilityUnsupported,
    pool_capacity_exceeded.PoolCapacityExceeded,
    mig_slices_exceed_gpu.MIGSlicesExceedGPU,
    startup_budget_too_short.StartupBudgetTooShort,
    progress_deadline_too_short.ProgressDeadlineTooShort,
    probe_paths_equal.ProbePathsEqual,
    termination_grace_too_short.TerminationGraceTooShort,
    scale_down_too_fast.ScaleDownTooFast,
    scale_to_zero.ScaleToZero,
    schedule_exceeds_max.ScheduleExceedsMax,
    schedules_overlap.SchedulesOverlap,
    pdb_blocks_drain.PDBBlocksDrain,
    pdb_missing.PDBMissing,
    replicas_max_unused.ReplicasMaxUnused,
    canary_gates_missing.CanaryGatesMissing,
    step_weight_above_max.StepWeightAboveMax,
    canary_single_replica.CanarySingleReplica,
    canary_duration.CanaryDuration,
    critical_on_spot.CriticalOnSpot,
    budget_exceeded.BudgetExceeded,
    image_not_pinned.ImageNotPinned,
    image_vulnerable.ImageVulnerable,
    registry_not_allowed.RegistryNotAllowed,
    pod_security_weaker.PodSecurityWeaker,
    egress_unrestricted.EgressUnrestricted,
    secret_in_env.SecretInEnv,
    download_without_egress.DownloadWithoutEgress,
    scaling_metric_not_scraped.ScalingMetricNotScraped,
    shm_too_small.ShmTooSmall,
    probe_ready_before_load.ProbeReadyBeforeLoad,
    cache_on_read_only_root.CacheOnReadOnlyRoot,
    tensor_parallel_heads.TensorParallelHeads,
    replica_exceeds_node.ReplicaExceedsNode,
    mig_with_parallelism.MIGWithParallelism,
    rollout_surge_exceeds_pool.RolloutSurgeExceedsPool,
    gpu_memory_per_replica.GPUMemoryPerReplica,
    single_group_outage.SingleGroupOutage,
    analysis_without_traffic.AnalysisWithoutTraffic,
    mesh_needs_privileges.MeshNeedsPrivileges,
    analysis_metric_unavailable.AnalysisMetricUnavailable,
    waiver_expired.WaiverExpired,
    waiver_unmatched.WaiverUnmatched,
    engine_in_maintenance.EngineInMaintenance,
    ingress_nginx_retired.IngressNginxRetired,
)


def index_rules(classes: tuple[type[Rule], ...]) -> dict[str, Rule]:
    """Rules by ID; raises ValueError when two rules share an ID or a slug."""
    by_id: dict[str, Rule] = {}
    slugs: dict[str, str] = {}
    for cls in classes:
        if cls.id in by_id:
            raise ValueError(f"rule ID {cls.id} is used by {type(by_id[cls.id]).__name__} and {cls.__name__}")
        if cls.slug in slugs:
            raise ValueError(f"rule slug {cls.slug!r} is used by {slugs[cls.slug]} and {cls.id}")
        by_id[cls.id] = cls()
        slugs[cls.slug] = cls.id
    return by_id


RULES: dict[str, Rule] = index_rules(RULE_CLASSES)
SLUGS: dict[str, str] = {rule.slug: rule_id for rule_id, rule in RULES.items()}


def find_rule(key: str) -> Rule | None:
    """A rule by ID (any case) or slug."""
    return RULES.get(key.upper()) or RULES.get(SLUGS.get(key, ""))

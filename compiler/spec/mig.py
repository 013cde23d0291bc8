"""The node side of a MIG pool: the mig-parted configuration the GPU Operator's MIG Manager applies to the
pool's nodes, and the labels the pods select on.

Facts (NVIDIA/mig-parted examples/config.yaml; docs.nvidia.com GPU Operator "GPU Operator with MIG"): a
configuration is `version: v1` with `mig-configs: {<name>: [{devices: all | [indexes], mig-enabled,
mig-devices: {<profile>: <count>}}]}`; the MIG Manager applies the configuration named by the node label
`nvidia.com/mig.config` and reports `nvidia.com/mig.config.state` (pending, rebooting, success, failed); the
ClusterPolicy's `migManager.config.name` names the ConfigMap (key `config.yaml`) holding the configurations.
`all-<profile>` splits every GPU into the most instances of one profile, as in the default configuration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Union

from servespec.catalog import GPUType
from servespec.spec.model import GPUPool, Model

CONFIG_LABEL = "nvidia.com/mig.config"
STATE_LABEL = "nvidia.com/mig.config.state"
APPLIED = "success"


@dataclass(frozen=True)
class DeviceGroup:
    devices: Union[str, tuple[int, ...]]
    """"all", or the GPU indexes of each node this group covers."""
    profiles: tuple[tuple[str, int], ...]
    """(profile, instances per GPU)."""


@dataclass(frozen=True)
class MIGLayout:
    """One pool's mig-parted configuration: its name (the node label value) and its device groups."""

    name: str
    groups: tuple[DeviceGroup, ...]

    def entry(self) -> list[dict[str, object]]:
        """The `mig-configs` entry as mig-parted reads it."""
        return [{"devices": group.devices if isinstance(group.devices, str) else list(group.devices),
                 "mig-enabled": True, "mig-devices": dict(group.profiles)} for group in self.groups]


def profiles_used(pool: GPUPool, models: list[Model]) -> list[str]:
    """The MIG profiles the pool's models ask for, in a fixed order; a single-strategy pool's own profile."""
    if pool.mig.strategy == "single":
        return [pool.mig.profile] if pool.mig.profile else []
    return sorted({model.gpu.mig for model in models
                   if model.pool == pool.name and model.gpu is not None and model.gpu.mig is not None})


def mig_layout(pool: GPUPool, gpu: GPUType, models: list[Model]) -> Optional[MIGLayout]:
    """The pool's layout, None when it has no MIG or no model on a slice. One profile: every GPU split into
    its most instances (`all-<profile>`). Several (strategy mixed, `gpusPerNode` set): each node's GPUs are
    shared out in proportion to the slices the models may use at most (replicas.max x slices), at least one
    GPU per profile, each GPU split into the most instances of its profile."""
    used = profiles_used(pool, models)
    offered = {profile.name: profile.max_instances for profile in gpu.mig_profiles}
    if pool.mig.strategy == "none" or not used or any(name not in offered for name in used):
        return None  # no slice wanted, or a profile the GPU lacks (GPU002): nothing the MIG Manager could apply
    if len(used) == 1:
        return MIGLayout(f"all-{used[0]}", (DeviceGroup("all", ((used[0], offered[used[0]]),)),))
    per_node = pool.gpus_per_node
    if per_node is None or per_node < len(used):
        return None  # semantics reports it
    demand = {name: _gpus_needed(name, offered[name], pool, models) for name in used}
    shares = _share_out(per_node, demand)
    groups, first = [], 0
    for name in used:
        indexes = tuple(range(first, first + shares[name]))
        first += shares[name]
        groups.append(DeviceGroup(indexes, ((name, offered[name]),)))
    return MIGLayout(f"servespec-{pool.name}", tuple(groups))


def _gpus_needed(name: str, instances: int, pool: GPUPool, models: list[Model]) -> float:
    slices = sum(model.replicas.max * (model.gpu.count or 1) for model in models
                 if model.pool == pool.name and model.gpu is not None and model.gpu.mig == name)
    return slices / instances


def _share_out(gpus: int, demand: dict[str, float]) -> dict[str, int]:
    """`gpus` shared out in proportion to `demand`, at least one each (largest remainders)."""
    total = sum(demand.values()) or 1.0
    spare = gpus - len(demand)
    exact = {name: spare * need / total for name, need in demand.items()}
    shares = {name: 1 + math.floor(value) for name, value in exact.items()}
    left = gpus - sum(shares.values())
    for name in sorted(exact, key=lambda name: (-(exact[name] - math.floor(exact[name])), name))[:left]:
        shares[name] += 1
    return shares

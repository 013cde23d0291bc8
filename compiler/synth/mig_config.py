"""The MIG Manager's ConfigMap: one mig-parted configuration per MIG pool (`spec.mig`), in the GPU Operator's
namespace under key `config.yaml`. Point the ClusterPolicy's `migManager.config.name` at it and label each
pool's nodes `nvidia.com/mig.config=<configuration>`; the pods select `nvidia.com/mig.config.state: success`."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML

from servespec.spec.resolve import ResolvedFleet
from servespec.synth.common import SPEC_HASH, fleet_metadata, manifest, spec_hash

CONFIG_KEY = "config.yaml"


def config_map_name(fleet: ResolvedFleet) -> str:
    return f"{fleet.name}-mig-parted-config"


def has_layouts(fleet: ResolvedFleet) -> bool:
    return any(pool.mig_layout is not None for pool in fleet.pools.values())


def config_text(fleet: ResolvedFleet) -> str:
    configs: dict[str, Any] = {}
    for name in sorted(fleet.pools):
        layout = fleet.pools[name].mig_layout
        if layout is not None:
            configs[layout.name] = layout.entry()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump({"version": "v1", "mig-configs": configs}, out)
    return out.getvalue()


def build(fleet: ResolvedFleet) -> dict[str, Any]:
    text = config_text(fleet)
    metadata = fleet_metadata(fleet, config_map_name(fleet), "mig-config")
    metadata["namespace"] = fleet.spec.gpu_operator.namespace
    metadata["annotations"][SPEC_HASH] = spec_hash(fleet.spec.metadata, text)
    return manifest("v1", "ConfigMap", metadata, data={CONFIG_KEY: text})

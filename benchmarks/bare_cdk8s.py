"""Baseline: synthesize the objects of a compiled tree with bare cdk8s (ApiObject + one JSON patch each)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "14,16,18,20,22")


def main(directory: str) -> None:
    objects = [yaml.load(p.read_text(), Loader=yaml.CSafeLoader) for p in sorted(Path(directory).rglob("*.yaml"))]
    from cdk8s import ApiObject, App, Chart, JsonPatch

    app = App()
    chart = Chart(app, "bare", disable_resource_name_hashes=True)
    for index, data in enumerate(objects):
        api_object = ApiObject(chart, f"o{index}", api_version=data["apiVersion"], kind=data["kind"],
                               metadata=data["metadata"])
        body = {k: v for k, v in data.items() if k not in ("apiVersion", "kind", "metadata")}
        if body:
            api_object.add_json_patch(*(JsonPatch.add(f"/{k}", v) for k, v in body.items()))
    print(len(chart.to_json()))


if __name__ == "__main__":
    main(sys.argv[1])

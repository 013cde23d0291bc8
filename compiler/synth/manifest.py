"""A compiled object as plain data, with the spec path it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from servespec.spec.loader import SpecPath

CLUSTER_DIR = "_cluster"
"""Directory of cluster-scoped objects in the output tree."""


@dataclass(frozen=True)
class Manifest:
    """One compiled object and where it came from in the spec (for findings and diffs)."""

    data: dict[str, Any]
    source_path: SpecPath

    @property
    def kind(self) -> str:
        return str(self.data["kind"])

    @property
    def name(self) -> str:
        return str(self.data["metadata"]["name"])

    @property
    def namespace(self) -> Optional[str]:
        namespace: Optional[str] = self.data["metadata"].get("namespace")
        return namespace

    @property
    def chart_id(self) -> str:
        """One cdk8s Chart per namespace; cluster-scoped objects share one of their own."""
        return self.namespace or CLUSTER_DIR

    @property
    def file_name(self) -> str:
        """`<namespace>/<kind>-<name>.yaml`, or `_cluster/<kind>-<name>.yaml` for cluster-scoped kinds."""
        return f"{self.namespace or CLUSTER_DIR}/{self.kind.lower()}-{self.name}.yaml"

"""The dbt project's models and their dependencies, as the Kedro pipeline needs them.

Read from dbt's ``manifest.json`` (see :mod:`.manifest`), so the Kedro view of the dbt DAG is
dbt's own: a model added, removed or re-wired in SQL shows up in the pipeline and in kedro-viz
without touching Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DbtModel:
    name: str
    unique_id: str
    layer: str  # the folder under models/: staging, intermediate, marts
    parents: tuple[str, ...]  # models it selects from (names)
    sources: tuple[str, ...]  # sources it selects from, as "source_name.table"
    description: str = ""


@dataclass(frozen=True)
class DbtDag:
    """The models of one dbt project, in dependency order (parents first)."""

    models: dict[str, DbtModel]

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> DbtDag:
        project = manifest.get("metadata", {}).get("project_name")
        nodes = manifest.get("nodes", {})
        sources = manifest.get("sources", {})
        found: dict[str, DbtModel] = {}
        for uid, node in nodes.items():
            if node.get("resource_type") != "model" or node.get("package_name") != project:
                continue
            depends = node.get("depends_on", {}).get("nodes", [])
            fqn = node.get("fqn", [])
            found[node["name"]] = DbtModel(
                name=node["name"],
                unique_id=uid,
                layer=fqn[1] if len(fqn) > 2 else "models",
                parents=tuple(sorted(nodes[d]["name"] for d in depends if d.startswith("model."))),
                sources=tuple(
                    sorted(
                        f"{sources[d]['source_name']}.{sources[d]['name']}"
                        for d in depends
                        if d in sources
                    )
                ),
                description=(node.get("description") or "").strip(),
            )
        return cls(_topological(found))

    def downstream_of_source(self, source_name: str) -> list[str]:
        """Models that select, directly or not, from any table of ``source_name``."""
        downstream: set[str] = set()
        for model in self.models.values():  # parents come first
            reads_source = any(s.split(".")[0] == source_name for s in model.sources)
            if reads_source or downstream.intersection(model.parents):
                downstream.add(model.name)
        return [m for m in self.models if m in downstream]

    def leaves(self, names: list[str]) -> list[str]:
        """Those of ``names`` that no other model of ``names`` selects from."""
        chosen = set(names)
        used = {p for n in names for p in self.models[n].parents if p in chosen}
        return [n for n in names if n not in used]


def _topological(models: dict[str, DbtModel]) -> dict[str, DbtModel]:
    ordered: dict[str, DbtModel] = {}
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in visiting:
            raise ValueError(f"dbt models depend on each other in a cycle through {name}")
        visiting.add(name)
        for parent in models[name].parents:
            if parent in models:
                visit(parent)
        visiting.discard(name)
        ordered[name] = models[name]

    for name in sorted(models):
        visit(name)
    return ordered

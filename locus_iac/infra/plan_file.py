"""The plan file: one NS or NSI plan on disk, written by ``locus ns export`` and read by
``stacks/ns`` (``pulumi up`` by hand) with the same meaning.

JSON or YAML (by suffix): ``{"kind": "ns"|"nsi", "plan": ...}``. Local Helm chart paths
are stored relative to the file's folder, so a plan can be committed next to its packages.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

import pydantic
import yaml

from locus_iac.errors import Issue, NotFound, ValidationError, json_pointer
from locus_iac.infra.nsi import NsiPlan
from locus_iac.infra.topology import NsPlan, VnfPlan


class _NsFile(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    kind: Literal["ns"]
    plan: NsPlan


class _NsiFile(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    kind: Literal["nsi"]
    plan: NsiPlan


_FILE = pydantic.TypeAdapter(Annotated[_NsFile | _NsiFile, pydantic.Field(discriminator="kind")])


def _charts(plan: NsPlan, *, relative: bool, base: Path) -> NsPlan:
    """Local chart paths made relative to ``base`` (writing) or absolute again (reading);
    chart references that are not local folders (``repo/chart``) are left alone."""

    def move(chart: str) -> str:
        path = Path(chart)
        if relative:
            return os.path.relpath(path, base) if path.is_absolute() and path.exists() else chart
        candidate = base / path
        if not path.is_absolute() and candidate.exists():
            return str(candidate.resolve())
        return chart

    def vnf(v: VnfPlan) -> VnfPlan:
        kdus = tuple(k.model_copy(update={"chart": move(k.chart)}) for k in v.kdus)
        return v.model_copy(update={"kdus": kdus})

    return plan.model_copy(update={"vnfs": tuple(vnf(v) for v in plan.vnfs)})


def dump_plan(plan: NsPlan | NsiPlan, path: Path) -> str:
    """The text of the plan file at ``path`` (charts made relative to its folder)."""
    base = path.parent.resolve()
    if isinstance(plan, NsiPlan):
        inner = plan.model_copy(update={"plan": _charts(plan.plan, relative=True, base=base)})
        document = {"kind": "nsi", "plan": inner.model_dump(mode="json")}
    else:
        document = {
            "kind": "ns",
            "plan": _charts(plan, relative=True, base=base).model_dump(mode="json"),
        }
    if path.suffix in (".yaml", ".yml"):
        return yaml.safe_dump(document, sort_keys=False)
    return json.dumps(document, indent=2) + "\n"


def write_plan(plan: NsPlan | NsiPlan, path: Path) -> Path:
    """Write the plan file (JSON unless ``path`` ends in .yaml/.yml)."""
    path.write_text(dump_plan(plan, path), encoding="utf-8")
    return path


def read_plan(path: Path) -> NsPlan | NsiPlan:
    """Read a plan file; raises :class:`NotFound` or :class:`ValidationError` (pointers into
    the file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"no plan file {path}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(f"{path}: not YAML/JSON", [Issue("", "syntax", str(exc))]) from None
    try:
        loaded = _FILE.validate_python(data)
    except pydantic.ValidationError as exc:
        issues = [
            Issue(json_pointer(*[str(p) for p in e["loc"]]), "invalid-plan", e["msg"])
            for e in exc.errors()
        ]
        raise ValidationError(f"{path}: not a locus plan file", issues) from None
    base = path.parent.resolve()
    if isinstance(loaded, _NsiFile):
        return loaded.plan.model_copy(
            update={"plan": _charts(loaded.plan.plan, relative=False, base=base)}
        )
    return _charts(loaded.plan, relative=False, base=base)

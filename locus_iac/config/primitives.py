"""Day-1/Day-2 primitives of a VNFD: their playbooks and their parameters.

Playbook convention (documented in :mod:`locus_iac.packages.artifacts`): a primitive runs in
an execution environment ``E`` (``execution-environment-ref``; the only one of the day1-2
entry when omitted); ``E`` is the package folder ``ansible/E/`` and the primitive ``P`` (or
its ``execution-environment-primitive``) is the playbook ``ansible/E/P.yml`` or ``.yaml``.

Parameters (OSM day1-2 ``config-primitive/parameter``): a Day-2 request is checked against
the declared list — unknown names, missing mandatory ones and values of the wrong
``data-type`` are all reported at once with pointers ``/primitive_params/<name>``; declared
defaults fill the gaps. Initial (Day-1) and terminate primitives carry values; a value
``<name>`` is replaced by the instantiation parameter ``name`` (OSM's syntax).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from locus_iac.descriptors.day12 import (
    ConfigPrimitive,
    Day12,
    ExecutionEnvironment,
    ParameterValue,
    SequencedPrimitive,
)
from locus_iac.descriptors.vnfd import Vnfd
from locus_iac.errors import Issue, NotFound, ValidationError, json_pointer
from locus_iac.packages.artifacts import ANSIBLE_DIR, PLAYBOOK_SUFFIXES

PARAMS_ROOT = "primitive_params"


@dataclass(frozen=True, slots=True)
class ResolvedPlaybook:
    """The playbook of one primitive: its folder's files and its path inside that folder."""

    primitive: str
    environment: str
    playbook: str
    files: Mapping[str, bytes]


def _environment(day12: Day12, ref: str | None, primitive: str) -> ExecutionEnvironment:
    envs = day12.execution_environment_list
    if ref is None and len(envs) == 1:
        return envs[0]
    found = next((e for e in envs if e.id == ref), None)
    if found is None:
        raise NotFound(f"primitive {primitive!r} of {day12.id!r}: no execution environment {ref!r}")
    return found


def resolve_playbook(
    day12: Day12,
    primitive: ConfigPrimitive | SequencedPrimitive,
    files: Mapping[str, bytes],
) -> ResolvedPlaybook:
    """Find the playbook of ``primitive`` among the package ``files`` (see module docstring)."""
    name = primitive.execution_environment_primitive or primitive.name
    if name is None:
        raise NotFound(f"a primitive of {day12.id!r} has no name")
    env = _environment(day12, primitive.execution_environment_ref, name)
    folder = f"{ANSIBLE_DIR}/{env.id}/"
    env_files = {p.removeprefix(folder): b for p, b in files.items() if p.startswith(folder)}
    playbook = next((name + s for s in PLAYBOOK_SUFFIXES if name + s in env_files), None)
    if playbook is None:
        raise NotFound(
            f"primitive {name!r}: the package has no playbook {folder}{name}.yml (or .yaml)"
        )
    return ResolvedPlaybook(
        primitive=primitive.name or name, environment=env.id, playbook=playbook, files=env_files
    )


def _convert(value: Any, data_type: str | None) -> Any:
    """``value`` as ``data_type`` (STRING/INTEGER/BOOLEAN); raises ValueError if it is not."""
    if data_type in (None, "STRING"):
        if isinstance(value, str):
            return value
        raise ValueError("a string")
    if data_type == "INTEGER":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValueError("an integer")
    if data_type == "BOOLEAN":
        if isinstance(value, bool):
            return value
        raise ValueError("a boolean")
    raise ValueError(f"a value of unsupported data-type {data_type}")


def _from_text(text: str, data_type: str | None) -> Any:
    """A default or literal value (a string in the descriptor) as ``data_type``."""
    if data_type == "INTEGER":
        return int(text)
    if data_type == "BOOLEAN":
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise ValueError("a boolean")
        return lowered == "true"
    return text


def check_primitive_params(primitive: ConfigPrimitive, given: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of a Day-2 ``action`` after checking them against the VNFD.

    Raises :class:`ValidationError` listing every unknown, missing or mistyped parameter
    (pointer ``/primitive_params/<name>``).
    """
    declared = {p.name: p for p in primitive.parameter}
    issues = [
        Issue(
            json_pointer(PARAMS_ROOT, name),
            "unknown-parameter",
            f"primitive {primitive.name!r} has no parameter {name!r} "
            f"(declared: {', '.join(sorted(declared)) or 'none'})",
        )
        for name in given
        if name not in declared
    ]
    values: dict[str, Any] = {}
    for name, param in declared.items():
        where = json_pointer(PARAMS_ROOT, name)
        if name in given:
            try:
                values[name] = _convert(given[name], param.data_type)
            except ValueError as exc:
                issues.append(Issue(where, "wrong-type", f"{name!r} must be {exc}"))
        elif param.default_value is not None:
            values[name] = _from_text(str(param.default_value), param.data_type)
        elif param.mandatory:
            issues.append(Issue(where, "missing-parameter", f"{name!r} is mandatory"))
    if issues:
        raise ValidationError(f"bad parameters for primitive {primitive.name!r}", issues)
    return values


def initial_params(
    primitive: SequencedPrimitive,
    instance_params: Mapping[str, Any],
    where: str,
    kind: str = "initial-config-primitive",
) -> dict[str, Any]:
    """Values of a sequenced (Day-1 or terminate) primitive's parameters; ``<name>`` takes
    instance parameter ``name``.

    ``where`` is the JSON pointer of the instantiation parameters of this VNF, used in the
    issue raised for a ``<name>`` that was not given; ``kind`` names the primitive list.
    """
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    for param in primitive.parameter:
        values[param.name] = _initial_value(param, instance_params, where, issues)
    if issues:
        raise ValidationError(
            f"{kind} {primitive.name!r} needs instantiation parameters",
            issues,
        )
    return values


def _initial_value(
    param: ParameterValue, instance_params: Mapping[str, Any], where: str, issues: list[Issue]
) -> Any:
    raw = "" if param.value is None else str(param.value)
    if raw.startswith("<") and raw.endswith(">") and len(raw) > 2:
        key = raw[1:-1]
        if key not in instance_params:
            issues.append(
                Issue(f"{where}/{key}", "missing-parameter", f"{param.name!r} takes <{key}>")
            )
            return None
        return instance_params[key]
    try:
        return _from_text(raw, param.data_type)
    except ValueError:
        issues.append(Issue(f"{where}/{param.name}", "wrong-type", f"bad literal {raw!r}"))
        return None


def ordered_initial(day12: Day12) -> Sequence[SequencedPrimitive]:
    """The initial-config-primitives in ``seq`` order."""
    return sorted(day12.initial_config_primitive, key=lambda p: int(p.seq))


def ordered_terminate(day12: Day12) -> Sequence[SequencedPrimitive]:
    """The terminate-config-primitives in ``seq`` order (OSM IM day1-2, run before destroy)."""
    return sorted(day12.terminate_config_primitive, key=lambda p: int(p.seq))


def day12_entries(vnfd: Vnfd, flavour_id: str | None = None) -> tuple[Day12, ...]:
    """The day1-2 entries of a deployment flavour (the VNFD's first when not named).

    An entry whose ``id`` is the VNFD id configures the whole VNF; one whose ``id`` is a VDU
    id configures that VDU's instances only (see :meth:`Inventory.for_vdu`).
    """
    if not vnfd.df:
        return ()
    flavour = next((d for d in vnfd.df if d.id == flavour_id), None) if flavour_id else vnfd.df[0]
    if flavour is None:
        raise NotFound(f"VNFD {vnfd.id!r} has no deployment flavour {flavour_id!r}")
    lcm = flavour.lcm_operations_configuration
    op = lcm.operate_vnf_op_config if lcm is not None else None
    return tuple(op.day1_2) if op is not None else ()


def vnf_day12(vnfd: Vnfd, flavour_id: str | None = None) -> Day12 | None:
    """The VNF-level day1-2 entry (``id`` = the VNFD id), if the flavour has one."""
    return next((d for d in day12_entries(vnfd, flavour_id) if d.id == vnfd.id), None)

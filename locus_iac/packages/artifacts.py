"""Files a descriptor names must be in its package.

Conventions (OSM package layout; ``ansible/`` takes the place of OSM's ``charms/``):

* ``vdu/cloud-init-file: F`` -> ``cloud_init/F`` (OSM).
* ``kdu/helm-chart: C`` -> a local chart when ``helm-charts/C`` exists in the package: a
  folder holding ``Chart.yaml`` (with ``apiVersion``, ``name``, ``version``) or a packed
  chart file (``.tgz``). A value without ``/`` must be local; ``repo/chart`` (optionally
  ``:version``) and ``oci://...`` are charts from a repository and are not looked for.
* ``kdu/juju-bundle: B`` without ``/`` -> ``juju-bundles/B`` (OSM).
* Day-1/Day-2 (``df/lcm-operations-configuration/operate-vnf-op-config/day1-2``): every
  ``config-primitive``, ``initial-config-primitive`` and ``terminate-config-primitive`` runs in
  an execution environment (``execution-environment-ref``; the only one when omitted). In
  locus-iac an execution environment ``E`` is a folder of Ansible playbooks, and primitive
  ``P`` (or its ``execution-environment-primitive`` when given) is the playbook
  ``ansible/E/P.yml`` (or ``.yaml``): a YAML list of plays. For compatibility with OSM
  packages an environment that is an OSM Juju charm present as ``charms/<charm>`` or an OSM
  Helm execution environment (``helm-chart``) needs no playbooks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import yaml

from locus_iac.descriptors import (
    ConfigPrimitive,
    Day12,
    Descriptor,
    ExecutionEnvironment,
    SequencedPrimitive,
    Vnfd,
)
from locus_iac.errors import Issue
from locus_iac.packages._tar import read_tar
from locus_iac.packages.limits import DEFAULT_LIMITS

CLOUD_INIT_DIR = "cloud_init"
HELM_CHARTS_DIR = "helm-charts"
JUJU_BUNDLES_DIR = "juju-bundles"
ANSIBLE_DIR = "ansible"
CHARMS_DIR = "charms"
PLAYBOOK_SUFFIXES = (".yml", ".yaml")

try:  # libyaml when PyYAML was built with it: ~10x faster on playbooks and charts
    _YamlLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _YamlLoader = yaml.SafeLoader


def _load_yaml(data: bytes) -> object:
    """Safe-load one YAML document (no Python objects; aliases stay shared, not expanded)."""
    return yaml.load(data, Loader=_YamlLoader)


@dataclass(frozen=True, slots=True)
class PlaybookRef:
    """A Day-1/2 primitive resolved to the playbook that implements it.

    ``stage`` is ``day1`` (initial-config-primitive), ``day2`` (config-primitive) or
    ``terminate`` (terminate-config-primitive).
    """

    pointer: str
    day12_id: str
    stage: str
    primitive: str
    environment: str
    candidates: tuple[str, ...]
    charm: str | None = None


def _exists_under(files: Mapping[str, bytes], folder: str) -> bool:
    prefix = folder.rstrip("/") + "/"
    return folder in files or any(path.startswith(prefix) for path in files)


def _safe_name(value: str) -> bool:
    parts = value.split("/")
    return not value.startswith("/") and ".." not in parts and "\\" not in value


def check_artifacts(descriptor: Descriptor, files: Mapping[str, bytes]) -> list[Issue]:
    """Every problem with the files ``descriptor`` names (only VNFDs name files)."""
    model = descriptor.model
    if not isinstance(model, Vnfd):
        return []
    base = descriptor.pointer
    issues = list(_cloud_init(model, base, files))
    issues.extend(_kdus(model, base, files))
    for at, day12 in _day12_entries(descriptor):
        issues.extend(_helm_environments(day12, at, files))
    verdicts: dict[tuple[str, ...], list[Issue]] = {}
    for ref in day12_playbooks(descriptor, files):
        if ref.candidates not in verdicts:
            verdicts[ref.candidates] = _playbook(ref, files)
        issues.extend(
            Issue(ref.pointer, issue.code, issue.message) for issue in verdicts[ref.candidates]
        )
    return issues


def _cloud_init(model: Vnfd, base: str, files: Mapping[str, bytes]) -> Iterator[Issue]:
    for i, vdu in enumerate(model.vdu):
        name = vdu.cloud_init_file
        if name is None:
            continue
        where = f"{base}/vdu/{i}/cloud-init-file"
        if not _safe_name(name):
            yield Issue(where, "unsafe-path", f"cloud-init-file {name!r} leaves cloud_init/")
        elif f"{CLOUD_INIT_DIR}/{name}" not in files:
            yield Issue(
                where,
                "missing-file",
                f"VDU {vdu.id!r} names cloud-init file {name!r}, but the package has no "
                f"{CLOUD_INIT_DIR}/{name}",
            )


def _kdus(model: Vnfd, base: str, files: Mapping[str, bytes]) -> Iterator[Issue]:
    for i, kdu in enumerate(model.kdu):
        if kdu.helm_chart is not None:
            yield from _helm_chart(kdu.helm_chart, f"{base}/kdu/{i}/helm-chart", files)
        bundle = kdu.juju_bundle
        local = f"{JUJU_BUNDLES_DIR}/{bundle}"
        if bundle is not None and "/" not in bundle and not _exists_under(files, local):
            yield Issue(
                f"{base}/kdu/{i}/juju-bundle",
                "missing-file",
                f"KDU {kdu.name!r} names juju bundle {bundle!r}, but the package has no {local}",
            )


def _helm_chart(chart: str, where: str, files: Mapping[str, bytes]) -> Iterator[Issue]:
    if "://" in chart:
        return
    if not _safe_name(chart):
        yield Issue(where, "unsafe-path", f"helm-chart {chart!r} leaves {HELM_CHARTS_DIR}/")
        return
    local = f"{HELM_CHARTS_DIR}/{chart}"
    if local in files:
        yield from _packed_chart(chart, local, where, files[local])
    elif _exists_under(files, local):
        yield from _chart_folder(chart, local, where, files)
    elif "/" not in chart:
        yield Issue(
            where,
            "missing-file",
            f"helm-chart {chart!r} is a local chart (no 'repo/' prefix), but the package has "
            f"no {local}/ folder or {local} file",
        )


def _chart_folder(chart: str, local: str, where: str, files: Mapping[str, bytes]) -> list[Issue]:
    text = files.get(f"{local}/Chart.yaml")
    if text is None:
        return [Issue(where, "invalid-helm-chart", f"{local}/ has no Chart.yaml")]
    try:
        meta = _load_yaml(text)
    except (yaml.YAMLError, RecursionError) as exc:
        return [Issue(where, "invalid-helm-chart", f"{local}/Chart.yaml is not YAML: {exc}")]
    missing = [
        k
        for k in ("apiVersion", "name", "version")
        if not isinstance(meta, dict) or not meta.get(k)
    ]
    if missing:
        return [
            Issue(where, "invalid-helm-chart", f"{local}/Chart.yaml lacks {', '.join(missing)}")
        ]
    return []


def _packed_chart(chart: str, local: str, where: str, data: bytes) -> list[Issue]:
    content = read_tar(data, DEFAULT_LIMITS, gzipped=data[:2] == b"\x1f\x8b")
    if content.issues:
        first = content.issues[0]
        return [Issue(where, "invalid-helm-chart", f"{local}: {first.message}")]
    if not any(len(p) == 2 and p[1] == "Chart.yaml" for p in content.files):
        return [Issue(where, "invalid-helm-chart", f"{local} holds no <chart>/Chart.yaml")]
    return []


def _native_osm(env: ExecutionEnvironment, files: Mapping[str, bytes]) -> bool:
    """An OSM execution environment that does not use our playbooks."""
    if env.helm_chart is not None:
        return True
    charm = env.juju.charm if env.juju is not None else None
    return charm is not None and _exists_under(files, f"{CHARMS_DIR}/{charm}")


def _helm_environments(day12: Day12, at: str, files: Mapping[str, bytes]) -> Iterator[Issue]:
    """OSM Helm execution environments: their chart is local unless ``repo/chart``."""
    for k, env in enumerate(day12.execution_environment_list):
        if env.helm_chart is not None:
            where = f"{at}/execution-environment-list/{k}/helm-chart"
            yield from _helm_chart(env.helm_chart, where, files)


def _environment(day12: Day12, ref: str | None) -> ExecutionEnvironment | None:
    envs = day12.execution_environment_list
    if ref is None:
        return envs[0] if len(envs) == 1 else None
    return next((e for e in envs if e.id == ref), None)


def day12_playbooks(descriptor: Descriptor, files: Mapping[str, bytes]) -> list[PlaybookRef]:
    """The Ansible playbooks the Day-1/2 primitives of a VNFD run (see module docstring).

    Primitives whose environment is unknown (a broken reference, reported by the descriptor
    validation) or an OSM-native one are left out.
    """
    return [
        ref for at, day12 in _day12_entries(descriptor) for ref in _day12_refs(day12, at, files)
    ]


def _day12_entries(descriptor: Descriptor) -> Iterator[tuple[str, Day12]]:
    """Every day1-2 entry of a VNFD with its JSON pointer."""
    model = descriptor.model
    if not isinstance(model, Vnfd):
        return
    for d, flavour in enumerate(model.df):
        lcm = flavour.lcm_operations_configuration
        op = lcm.operate_vnf_op_config if lcm is not None else None
        for j, day12 in enumerate(op.day1_2 if op is not None else ()):
            at = (
                f"{descriptor.pointer}/df/{d}/lcm-operations-configuration/"
                f"operate-vnf-op-config/day1-2/{j}"
            )
            yield at, day12


def _day12_refs(day12: Day12, at: str, files: Mapping[str, bytes]) -> Iterator[PlaybookRef]:
    lists: tuple[tuple[str, str, Sequence[ConfigPrimitive | SequencedPrimitive]], ...] = (
        ("initial-config-primitive", "day1", day12.initial_config_primitive),
        ("config-primitive", "day2", day12.config_primitive),
        ("terminate-config-primitive", "terminate", day12.terminate_config_primitive),
    )
    for leaf, stage, primitives in lists:
        for k, primitive in enumerate(primitives):
            env = _environment(day12, primitive.execution_environment_ref)
            name = primitive.execution_environment_primitive or primitive.name
            if env is None or name is None or _native_osm(env, files):
                continue
            stem = f"{ANSIBLE_DIR}/{env.id}/{name}"
            yield PlaybookRef(
                pointer=f"{at}/{leaf}/{k}",
                day12_id=day12.id,
                stage=stage,
                primitive=name,
                environment=env.id,
                candidates=tuple(stem + suffix for suffix in PLAYBOOK_SUFFIXES),
                charm=env.juju.charm if env.juju is not None else None,
            )


def _playbook(ref: PlaybookRef, files: Mapping[str, bytes]) -> list[Issue]:
    path = next((c for c in ref.candidates if c in files), None)
    if path is None:
        hint = f" (or the Juju charm {CHARMS_DIR}/{ref.charm}/)" if ref.charm else ""
        return [
            Issue(
                ref.pointer,
                "missing-file",
                f"primitive {ref.primitive!r} of execution environment {ref.environment!r} "
                f"needs the playbook {ref.candidates[0]} (or .yaml){hint}, which the package "
                "lacks",
            )
        ]
    try:
        plays = _load_yaml(files[path])
    except (yaml.YAMLError, RecursionError) as exc:
        return [Issue(ref.pointer, "invalid-playbook", f"{path} is not YAML: {exc}")]
    if not isinstance(plays, list) or not plays or not all(isinstance(p, dict) for p in plays):
        return [Issue(ref.pointer, "invalid-playbook", f"{path} is not a list of plays")]
    return []

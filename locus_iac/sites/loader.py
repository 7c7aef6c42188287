"""Read a sites file (YAML) into a :class:`~locus_iac.sites.models.SiteCatalog`.

Shape::

    sites:
      - name: ote-core
        kind: openstack            # or kubernetes
        role: core                 # or edge
        capacity: {vcpu: 64, memory_gb: 256, storage_gb: 2000}
        used: {vcpu: 8}
        cost: {vcpu: 0.02, memory_gb: 0.005}
        openstack: {management_network: mgmt, external_network: public}
        vpn: {public_address: 203.0.113.10, subnet: 10.100.0.0/16}
        vim_account: ote
        labels: {country: gr}
    latency_ms:                    # one-way, ms; one direction is enough
      ote-core: {uma-edge: 12.0}

Every problem of the file is reported in one :class:`~locus_iac.errors.ValidationError`
whose issues carry JSON pointers into the document.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pydantic
import yaml

from locus_iac.errors import Issue, NotFound, ValidationError, json_pointer
from locus_iac.sites.checks import catalog_issues, vpn_subnet_issues
from locus_iac.sites.models import NonNegative, Site, SiteCatalog

log = logging.getLogger(__name__)

_LATENCY = pydantic.TypeAdapter(dict[str, dict[str, NonNegative]])
_TOP_LEVEL = ("sites", "latency_ms")
_CODES = {
    "extra_forbidden": "unknown-field",
    "missing": "missing-field",
    "string_pattern_mismatch": "bad-name",
    "greater_than_equal": "negative-value",
    "value_error": "invalid-value",
}


def load_sites(source: Path | str) -> SiteCatalog:
    """Load and validate a site catalogue.

    ``source`` is a :class:`~pathlib.Path`, or a string: YAML text when it spans several
    lines or contains ``": "`` / starts with ``{``, a file path otherwise.
    Raises :class:`NotFound` for a missing file and :class:`ValidationError` listing every
    problem (unknown fields, negative capacities or latencies, duplicate names, kind and
    networking mismatch, use above capacity, latencies naming unknown sites, asymmetric or
    incomplete latency matrices).
    """
    text, origin = _read(source)
    document = _parse(text, origin)
    sites, issues = _validate_sites(document.get("sites"))
    latency, latency_issues = _validate_latency(document.get("latency_ms", {}))
    issues.extend(latency_issues)
    for key in document:
        if key not in _TOP_LEVEL:
            issues.append(
                Issue(
                    json_pointer(key),
                    "unknown-field",
                    f"unknown field {key!r} (expected 'sites' and 'latency_ms')",
                )
            )
    if latency is not None:
        issues.extend(catalog_issues(_raw_names(document.get("sites")), latency))
    issues.extend(
        vpn_subnet_issues([(i, s.name, s.vpn.subnet) for i, s in sites if s.vpn is not None])
    )
    if issues or latency is None:
        raise ValidationError(f"invalid sites file {origin}", issues)
    catalog = SiteCatalog(sites=tuple(s for _, s in sites), latency_ms=latency)
    log.debug("loaded %d sites from %s", len(catalog.sites), origin)
    return catalog


def _read(source: Path | str) -> tuple[str, str]:
    if isinstance(source, str) and (
        "\n" in source or ": " in source or source.lstrip().startswith("{")
    ):
        return source, "<text>"
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except FileNotFoundError:
        raise NotFound(f"sites file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"cannot read sites file {path}",
            [Issue("", "unreadable", f"cannot read {path}: {exc}")],
        ) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys instead of keeping the last one."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _parse(text: str, origin: str) -> dict[str, Any]:
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ValidationError(
            f"invalid sites file {origin}", [Issue("", "yaml-syntax", f"not valid YAML: {exc}")]
        ) from None
    if not isinstance(document, dict):
        raise ValidationError(
            f"invalid sites file {origin}",
            [Issue("", "not-a-mapping", "a sites file is a mapping with 'sites' and 'latency_ms'")],
        )
    return document


def _validate_sites(raw: Any) -> tuple[list[tuple[int, Site]], list[Issue]]:
    """The sites that are valid (with their index in the file) and the issues of the others."""
    if not isinstance(raw, list) or not raw:
        return [], [Issue("/sites", "missing-field", "'sites' must be a non-empty list of sites")]
    sites: list[tuple[int, Site]] = []
    issues: list[Issue] = []
    for index, item in enumerate(raw):
        try:
            sites.append((index, Site.model_validate(item)))
        except pydantic.ValidationError as exc:
            issues.extend(pydantic_issues(exc, ("sites", index)))
    return sites, issues


def _raw_names(raw: Any) -> list[str]:
    """Site names as written, so that name and matrix checks run even if a site is invalid."""
    if not isinstance(raw, list):
        return []
    return [str(item["name"]) for item in raw if isinstance(item, dict) and "name" in item]


def _validate_latency(raw: Any) -> tuple[dict[str, dict[str, float]] | None, list[Issue]]:
    if raw is None:
        return {}, []
    try:
        return _LATENCY.validate_python(raw), []
    except pydantic.ValidationError as exc:
        return None, pydantic_issues(exc, ("latency_ms",))


def pydantic_issues(exc: pydantic.ValidationError, prefix: tuple[str | int, ...]) -> list[Issue]:
    """Translate pydantic errors into :class:`Issue` objects with JSON pointers."""
    issues = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        code = _CODES.get(error["type"], error["type"].replace("_", "-"))
        message = error["msg"].removeprefix("Value error, ")
        issues.append(Issue(json_pointer(*prefix, *loc), code, message))
    return issues

"""The LOCUS function template (seed §4.3.1, Table 3): schema validation and typed model.

:func:`load_template` checks a template document against ``schema.yaml`` (JSON Schema
draft 2020-12, every violation reported at its JSON pointer), then checks what a schema
cannot (names that refer to each other) and returns a :class:`FunctionTemplate`.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field

from locus_iac.errors import Issue, ValidationError, json_pointer

Scalar = str | int | float | bool


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(_Model):
    name: str
    description: str
    next: tuple[str, ...] = ()


class Decomposition(_Model):
    diagram: str | None = None
    components: tuple[Component, ...]


class Dependencies(_Model):
    internal: tuple[str, ...]
    external: tuple[str, ...]


class DataChannel(_Model):
    kind: Literal["message-bus", "rest-api", "data-store", "other"]
    description: str
    protocol: str | None = None


class DataFormat(_Model):
    media_types: tuple[str, ...]
    schema_: str | None = Field(default=None, alias="schema")
    periodicity_s: float | None = None


class Parameter(_Model):
    name: str
    type: Literal["string", "integer", "number", "boolean"]
    description: str
    default: Scalar | None = None
    enum: tuple[Scalar, ...] | None = None
    required: bool = False


class Input(_Model):
    sources: tuple[DataChannel, ...]
    format: DataFormat
    parameters: tuple[Parameter, ...]


class Output(_Model):
    sinks: tuple[DataChannel, ...]
    format: DataFormat


class Interface(_Model):
    name: str
    protocol: Literal["http", "https", "tcp", "udp", "kafka", "grpc"]
    port: int
    path: str | None = None
    purpose: Literal["management", "data", "metrics", "health"]
    network: str = "mgmtnet"


class Measurement(_Model):
    method: str
    records: int
    seconds: float
    cpu_peak_percent: float | None = None
    memory_mib: float | None = None
    machine: str | None = None


class Resources(_Model):
    vcpu: float
    memory_mib: int
    disk_gib: float
    measurements: tuple[Measurement, ...] = ()


class Placement(_Model):
    location: Literal["edge", "core", "any"]
    max_latency_ms: float | None = None
    notes: str | None = None


class Configuration(_Model):
    method: Literal["none", "config-file", "environment", "management-api"]
    run_period_s: float | None = None
    parameters: tuple[Parameter, ...]
    notes: str | None = None


class Requirements(_Model):
    resources: Resources
    placement: Placement
    configuration: Configuration


class Deployment(_Model):
    type: Literal["container", "vm"]
    image: str
    command: tuple[str, ...] = ()
    replicas: int = 1


class Metric(_Model):
    id: str
    name: str
    performance_metric: str
    collection_period_s: int | None = None


class Monitoring(_Model):
    scrape_interface: str | None = None
    metrics: tuple[Metric, ...]


class Status(_Model):
    state: Literal["ready", "partial", "planned"]
    notes: str | None = None
    expected_completion: str | None = None


class FunctionTemplate(_Model):
    """A filled LOCUS function template (seed Table 3; Annex A is one for POIs)."""

    template_version: Literal[1]
    name: str
    package_id: str | None = None
    version: str
    provider: str
    description: str
    functional_decomposition: Decomposition
    programming_language: str
    dependencies: Dependencies
    input: Input
    output: Output
    interfaces: tuple[Interface, ...]
    requirements: Requirements
    deployment: Deployment
    monitoring: Monitoring | None = None
    status: Status

    @property
    def vnfd_id(self) -> str:
        suffix = "knf" if self.deployment.type == "container" else "vnf"
        return self.package_id or f"{self.name.replace('-', '_')}_{suffix}"

    def interface(self, purpose: str) -> Interface | None:
        return next((i for i in self.interfaces if i.purpose == purpose), None)


@functools.cache
def template_schema() -> dict[str, Any]:
    """The template's JSON Schema (``schema.yaml`` shipped with the package)."""
    text = resources.files(__package__).joinpath("schema.yaml").read_text(encoding="utf-8")
    schema: dict[str, Any] = yaml.safe_load(text)
    return schema


def _cross_checks(template: FunctionTemplate) -> list[Issue]:
    issues: list[Issue] = []
    names = [c.name for c in template.functional_decomposition.components]
    for i, component in enumerate(template.functional_decomposition.components):
        for j, target in enumerate(component.next):
            if target not in names:
                issues.append(
                    Issue(
                        json_pointer("functional_decomposition", "components", i, "next", j),
                        "broken-reference",
                        f"no component named {target!r}",
                    )
                )
    seen: set[str] = set()
    for i, interface in enumerate(template.interfaces):
        if interface.name in seen:
            issues.append(
                Issue(
                    json_pointer("interfaces", i, "name"),
                    "duplicate-key-value",
                    f"interface {interface.name!r} is declared twice",
                )
            )
        seen.add(interface.name)
    scrape = template.monitoring.scrape_interface if template.monitoring else None
    if scrape is not None and scrape not in seen:
        issues.append(
            Issue(
                "/monitoring/scrape_interface", "broken-reference", f"no interface named {scrape!r}"
            )
        )
    return issues


def validate_template(document: object) -> FunctionTemplate:
    """The typed template; raises ValidationError listing every problem with a pointer."""
    validator = Draft202012Validator(template_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValidationError(
            "invalid function template",
            [
                Issue(json_pointer(*e.absolute_path), f"schema-{e.validator}", e.message)
                for e in errors
            ],
        )
    template = FunctionTemplate.model_validate(document)
    issues = _cross_checks(template)
    if issues:
        raise ValidationError("invalid function template", issues)
    return template


def load_template(path: Path) -> FunctionTemplate:
    """Read and validate a template YAML file."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(
            f"cannot read {path}", [Issue("", "unreadable-file", exc.strerror or str(exc))]
        ) from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"{path} is not YAML", [Issue("", "yaml-syntax", str(exc))]) from None
    return validate_template(document)

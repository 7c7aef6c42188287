"""Day 0: templates of a package rendered with the instance's values before or during ``up``.

Two kinds of Day-0 files are Jinja2 templates (OSM renders both the same way):

* a VDU's ``cloud-init-file`` (SOL006 vdu/cloud-init-file; the package file
  ``cloud_init/<name>``) -> the user data of each VDU instance;
* Helm values of a KDU (OSM ``additionalParamsForKdu``) -> a mapping of chart values.

Variables: every instantiation parameter by name, plus ``params`` (all of them),
``ns_instance_id``, ``vnf`` (the VNF profile id), ``vdu`` and ``index`` (for cloud-init),
``management`` (VNF profile -> ``<vdu>-<index>`` -> address, from the stack outputs when
known) and ``ssh_public_keys``. Rendering is sandboxed and strict: an undefined variable is a
:class:`~locus_iac.errors.ValidationError` naming the template file, the line and the
variable, never an empty string in a VM's configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from locus_iac.errors import Issue, ValidationError
from locus_iac.infra.templates import render_template

CLOUD_INIT_DIR = "cloud_init"


class Day0Context(BaseModel):
    """The values a Day-0 template may use (see module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ns_instance_id: str
    vnf: str
    params: dict[str, Any] = Field(default_factory=dict)
    management: dict[str, dict[str, str]] = Field(default_factory=dict)
    ssh_public_keys: tuple[str, ...] = ()

    def variables(self, **more: Any) -> dict[str, Any]:
        values: dict[str, Any] = dict(self.params)
        values.update(
            params=dict(self.params),
            ns_instance_id=self.ns_instance_id,
            vnf=self.vnf,
            management=self.management,
            ssh_public_keys=list(self.ssh_public_keys),
            **more,
        )
        return values


def render_cloud_init(
    files: Mapping[str, bytes],
    cloud_init_file: str,
    context: Day0Context,
    *,
    vdu: str,
    index: int,
) -> str:
    """User data of VDU instance ``vdu``/``index`` from the package file
    ``cloud_init/<cloud_init_file>``."""
    source = f"{CLOUD_INIT_DIR}/{cloud_init_file}"
    if source not in files:
        raise ValidationError(
            f"the package has no {source}",
            [Issue("/" + source, "missing-file", f"cloud-init file {source} not in the package")],
        )
    text = files[source].decode("utf-8")
    return render_template(text, context.variables(vdu=vdu, index=index), source=source)


def render_helm_values(text: str, context: Day0Context, *, source: str) -> dict[str, Any]:
    """Chart values rendered from a YAML template; the result must be a mapping."""
    rendered = render_template(text, context.variables(), source=source)
    pointer = "/" + source
    try:
        values = yaml.safe_load(rendered)
    except yaml.YAMLError as exc:
        raise ValidationError(
            f"{source}: rendered values are not YAML",
            [Issue(pointer, "bad-values", str(exc).splitlines()[0])],
        ) from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ValidationError(
            f"{source}: rendered values are not a mapping",
            [Issue(pointer, "bad-values", f"got {type(values).__name__}")],
        )
    return values

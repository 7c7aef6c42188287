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

import re
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field

from locus_iac.errors import Issue, ValidationError

CLOUD_INIT_DIR = "cloud_init"
_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined")


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


def _line_in(source: str, tb: TracebackType | None) -> int | None:
    """The template line the error happened on (Jinja2 rewrites frames to the template)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == source:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_template(text: str, variables: Mapping[str, Any], *, source: str) -> str:
    """Render ``text`` (the package file ``source``) strictly; see module docstring."""
    env = ImmutableSandboxedEnvironment(
        # the file name given here is what Jinja2 puts in the rewritten traceback frames
        loader=jinja2.FunctionLoader(lambda name: (text, source, lambda: True)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    pointer = "/" + source.replace("~", "~0")
    try:
        return env.get_template(source).render(dict(variables))
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationError(
            f"{source}: template does not parse",
            [Issue(pointer, "bad-template", f"{source} line {exc.lineno}: {exc.message}")],
        ) from None
    except jinja2.UndefinedError as exc:
        found = _UNDEFINED_NAME.search(str(exc.message))
        name = found.group(1) if found else str(exc.message)
        line = _line_in(source, exc.__traceback__)
        where = f" line {line}" if line else ""
        raise ValidationError(
            f"{source}: template uses {name!r}, which was not given",
            [Issue(pointer, "undefined-variable",
                   f"{source}{where}: variable {name!r} is undefined")],
        ) from None
    except jinja2.TemplateError as exc:  # security errors of the sandbox and the like
        raise ValidationError(
            f"{source}: template failed", [Issue(pointer, "bad-template", str(exc))]
        ) from None


def render_cloud_init(
    files: Mapping[str, bytes], cloud_init_file: str, context: Day0Context, *, vdu: str,
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

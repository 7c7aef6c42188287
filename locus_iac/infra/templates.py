"""Strict, sandboxed Jinja2 rendering of package templates (Day0 cloud-init, Helm values).

One renderer for every Day-0 template of a package: the Pulumi programs render a VDU's
cloud-init with it, the configuration layer (``locus_iac.config``) renders cloud-init and
Helm values with it. Sandboxed (a template cannot reach Python internals) and strict: a
variable nobody gave is a :class:`~locus_iac.errors.ValidationError` naming the template
file, the line and the variable, never an empty string in a VM's configuration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from locus_iac.errors import Issue, ValidationError

_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined")


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
            [
                Issue(
                    pointer,
                    "undefined-variable",
                    f"{source}{where}: variable {name!r} is undefined",
                )
            ],
        ) from None
    except jinja2.TemplateError as exc:  # security errors of the sandbox and the like
        raise ValidationError(
            f"{source}: template failed", [Issue(pointer, "bad-template", str(exc))]
        ) from None

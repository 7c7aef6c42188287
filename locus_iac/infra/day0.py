"""Day0 for VDUs: render the package's cloud-init with the instance parameters.

OSM renders a VDU's ``cloud-init-file`` as a Jinja2 template whose variables are the
instantiation ``additionalParams`` of the VNF (SOL006 vdu/cloud-init-file). The same here,
in a sandbox and with strict undefined variables: a template naming a parameter nobody
passed is an error naming that parameter, not an empty string in a VM's config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from locus_iac.errors import Issue, ValidationError

_ENV = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
)


def render_cloud_init(
    template: str,
    params: Mapping[str, str],
    *,
    ns_instance_id: str,
    vnf: str,
    vdu: str,
    index: int,
    ssh_public_keys: Sequence[str] = (),
    source: str = "cloud-init",
) -> str:
    """Render one VDU instance's user data.

    Variables: every parameter by name, plus ``params`` (all of them), ``ns_instance_id``,
    ``vnf`` (the vnf-profile id), ``vdu``, ``index`` (0-based instance number) and
    ``ssh_public_keys``. Raises :class:`ValidationError` for a syntax error or a variable
    that is not defined.
    """
    context: dict[str, object] = dict(params)
    context.update(
        params=dict(params),
        ns_instance_id=ns_instance_id,
        vnf=vnf,
        vdu=vdu,
        index=index,
        ssh_public_keys=list(ssh_public_keys),
    )
    try:
        return _ENV.from_string(template).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationError(
            f"{source}: cloud-init template does not parse",
            [Issue("", "bad-template", f"line {exc.lineno}: {exc.message}")],
        ) from None
    except SecurityError as exc:
        raise ValidationError(
            f"{source}: cloud-init template does something the sandbox forbids",
            [Issue("", "unsafe-template", str(exc))],
        ) from None
    except jinja2.UndefinedError as exc:
        raise ValidationError(
            f"{source}: cloud-init template needs a parameter that was not given",
            [Issue(f"/additionalParams/{vnf}", "missing-parameter", str(exc.message))],
        ) from None

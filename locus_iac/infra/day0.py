"""Day0 for VDUs: render the package's cloud-init with the instance parameters.

OSM renders a VDU's ``cloud-init-file`` as a Jinja2 template whose variables are the
instantiation ``additionalParams`` of the VNF (SOL006 vdu/cloud-init-file). The same here,
through the one strict, sandboxed renderer of :mod:`locus_iac.infra.templates`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from locus_iac.infra.templates import render_template


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
    ``ssh_public_keys``. Raises :class:`~locus_iac.errors.ValidationError` for a syntax
    error, a forbidden construct or a variable that is not defined.
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
    return render_template(template, context, source=source)

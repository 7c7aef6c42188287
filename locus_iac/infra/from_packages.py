"""Packages (NST/NSD/VNFD, OSM layout) + sites + placement -> an NS or NSI spec.

What ``locus plan`` and ``locus ns export`` share: find the descriptors among the given
packages, place every VNF profile (explicit ``--place`` first, else a KNF on an edge
Kubernetes site and a VNF on a core OpenStack site), and point each VNFD at the folder its
cloud-init files and Helm charts are read from (archives are unpacked under ``workdir``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from ipaddress import IPv4Network
from pathlib import Path
from typing import TypeVar

from locus_iac.descriptors import Nsd, Nst, Vnfd
from locus_iac.errors import Issue, NotFound, ValidationError, json_pointer
from locus_iac.infra.spec import NsiSpec, NsSpec
from locus_iac.infra.topology import Upstream, VpnStackRef
from locus_iac.packages import Package
from locus_iac.sites import Site, SiteCatalog, SiteKind, SiteRole

log = logging.getLogger(__name__)
V = TypeVar("V")


def package_folder(package: Package, source: Path, workdir: Path) -> Path:
    """The folder holding the package's files: ``source`` itself, or an unpacked copy."""
    if source.is_dir():
        return source
    return package.extract(workdir / package.id)


def default_site(vnfd: Vnfd, sites: SiteCatalog) -> Site:
    """KNFs to the first edge Kubernetes site, VNFs to the first core OpenStack site (either
    role when there is none of the preferred one)."""
    kind = SiteKind.KUBERNETES if vnfd.is_knf else SiteKind.OPENSTACK
    role = SiteRole.EDGE if vnfd.is_knf else SiteRole.CORE
    candidates = sites.by_kind(kind)
    preferred = [s for s in candidates if s.role == role] or candidates
    if not preferred:
        raise ValidationError(
            f"no {kind.value} site for VNFD {vnfd.id}",
            [Issue("/sites", "no-site", f"the site catalogue has no {kind.value} site")],
        )
    return preferred[0]


def _placement(
    nsd: Nsd,
    vnfds: Mapping[str, Vnfd],
    sites: SiteCatalog,
    place: Mapping[str, str],
    suggested: Mapping[str, str],
    subnet: str | None,
) -> dict[str, str]:
    result: dict[str, str] = {}
    first = {p.id for p in nsd.df[0].vnf_profile} if nsd.df else set()
    # every flavour's profiles: an NS update may change the flavour (CHANGE_NS_DF); a profile
    # of another flavour with no site of its kind stays unplaced (resolve reports it if used)
    for profile in (p for df in nsd.df for p in df.vnf_profile):
        if profile.id in result:
            continue
        keys = [f"{subnet}/{profile.id}"] if subnet else []
        keys += [profile.vnfd_id] + ([] if subnet else [profile.id])
        chosen = next((place[k] for k in keys if k in place), None)
        if chosen is None:
            chosen = suggested.get(f"{subnet}/{profile.id}" if subnet else profile.id)
        if chosen is None:
            vnfd = vnfds.get(profile.vnfd_id)
            if vnfd is None:
                continue  # reported by resolve
            try:
                chosen = default_site(vnfd, sites).name
            except ValidationError:
                if profile.id in first:
                    raise
                log.debug("profile %s (another flavour) has no site of its kind", profile.id)
                continue
        sites.site(chosen)  # NotFound for a typo
        result[profile.id] = chosen
    return result


def _vpn_refs(sites: SiteCatalog, vpn_stacks: Mapping[str, str]) -> Upstream:
    refs = []
    names = sites.names()
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            key = next((k for k in (f"{a}:{b}", f"{b}:{a}") if k in vpn_stacks), None)
            # fully qualified: a file backend refuses "project/stack" (its first part is an
            # organisation, always "organization" there)
            stack = vpn_stacks[key] if key else f"organization/locus-vpn/{a}--{b}"
            refs.append(VpnStackRef(sites=(a, b), stack=stack))
    return Upstream(vpn=tuple(refs))


def _scoped(values: Mapping[str, Mapping[str, V]], subnet: str | None) -> dict[str, dict[str, V]]:
    """Per-profile settings; in a netslice, ``subnet/profile`` keys address one subnet."""
    result: dict[str, dict[str, V]] = {}
    for key, value in values.items():
        scope, _, profile = key.rpartition("/")
        if not scope or scope == subnet:
            result[profile] = dict(value)
    return result


def spec_from_packages(
    main: Package,
    others: Sequence[Package],
    folders: Mapping[str, Path],
    sites: SiteCatalog,
    *,
    instance_id: str,
    place: Mapping[str, str] | None = None,
    vpn_stacks: Mapping[str, str] | None = None,
    scale: Mapping[str, Mapping[str, int]] | None = None,
    parameters: Mapping[str, Mapping[str, str]] | None = None,
    suggested: Mapping[str, str] | None = None,
    reserved: Mapping[str, Sequence[IPv4Network]] | None = None,
    floating_ips: bool = False,
) -> NsSpec | NsiSpec:
    """The spec of one NS (``main`` is an NSD package) or NSI (an NST package).

    ``folders`` maps VNFD ids to their package folders; ``vpn_stacks`` maps
    ``site-a:site-b`` to the stack joining them (default
    ``organization/locus-vpn/<a>--<b>``).
    Placement of a profile: ``place`` (by ``subnet/profile``, VNFD id or profile id), else
    ``suggested`` (an optimiser's answer, by ``subnet/profile`` or profile id), else
    :func:`default_site`. ``reserved`` lists, per site, blocks links must not use (the VPN
    transit network, other NS instances).
    """
    everything = [main, *others]
    vnfds = {p.id: p.descriptor.model for p in everything if isinstance(p.descriptor.model, Vnfd)}
    nsds = {p.id: p.descriptor.model for p in everything if isinstance(p.descriptor.model, Nsd)}
    upstream = _vpn_refs(sites, vpn_stacks or {})
    chosen = dict(place or {})

    def ns_spec(nsd: Nsd, ns_id: str, subnet: str | None) -> NsSpec:
        used = {v: vnfds[v] for v in nsd.vnfd_id if v in vnfds}
        return NsSpec(
            ns_instance_id=ns_id,
            name=nsd.name or nsd.id,
            nsd=nsd,
            vnfds=used,
            placement=_placement(nsd, used, sites, chosen, suggested or {}, subnet),
            sites=sites,
            package_dirs={v: folders[v] for v in used if v in folders},
            upstream=upstream,
            scale=_scoped(scale or {}, subnet),
            parameters=_scoped(parameters or {}, subnet),
            reserved_cidrs={site: tuple(blocks) for site, blocks in (reserved or {}).items()},
            floating_ips=floating_ips,
        )

    model = main.descriptor.model
    if isinstance(model, Nsd):
        return ns_spec(model, instance_id, None)
    if not isinstance(model, Nst):
        raise ValidationError(
            f"{main.name} is a VNF package: plan an NS or netslice",
            [Issue("", "wrong-kind", "give an NSD or NST package; VNFDs go in --with")],
        )
    nested: dict[str, NsSpec] = {}
    for i, subnet in enumerate(model.netslice_subnet):
        nsd = nsds.get(subnet.nsd_ref)
        if nsd is None:
            raise NotFound(
                f"netslice-subnet {subnet.id} needs NSD {subnet.nsd_ref!r}: add its package "
                f"with --with ({json_pointer('nst', 'netslice-subnet', i, 'nsd-ref')})"
            )
        nested[subnet.id] = ns_spec(nsd, instance_id, subnet.id)
    return NsiSpec(nsi_id=instance_id, name=model.name, nst=model, nested=nested)

"""Descriptors + placement + parameters -> :class:`NsPlan` (what the program declares).

The SOL006 walk, in one place (seed §4.1.1.1, §4.3.3):

* NSD ``df/vnf-profile`` -> one VNF per profile, at the site placement gives it; the VNFD's
  deployment flavour and instantiation level (``vdu-level/number-of-instances``, else
  ``vdu-profile/min-number-of-instances``) give the instance counts, ``scale`` overrides.
* ``virtual-link-connectivity`` + VNFD ``ext-cpd`` -> the VDU ``int-cpd`` (VM) or the
  ``k8s-cluster-net`` (KNF) each NS VL connects; ``mgmt-cp`` marks the management port.
* ``virtual-compute-desc``/``virtual-storage-desc``/``sw-image-desc`` -> flavor and image;
  ``cloud-init-file`` -> the package's ``cloud_init/<file>``; ``kdu/helm-chart`` -> the
  package's ``helm-charts/<chart>`` when present, else the chart reference as written.
* NS VLs -> an existing VIM network (site ``network_mappings``, OSM ``vim-network-name``,
  the site management network for a management VL), else a CIDR block per site; a VL bound
  to a netslice VLD (``netslice_links``) takes the NSI's name, blocks and attachments
  (:mod:`locus_iac.infra.netslice_links`), and the site allocators skip those blocks.

Every problem is collected and raised in one :class:`ValidationError` whose issue paths
point into the spec (``/placement/1``, ``/vnfds/cloud_vnf/vdu/0``...).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from ipaddress import IPv4Network
from pathlib import Path

from locus_iac.descriptors import Nsd, NsDf, SwImageDesc, Vnfd, VnfProfile
from locus_iac.errors import Issue, ValidationError, json_pointer
from locus_iac.infra.cidr import CidrAllocator
from locus_iac.infra.netslice_links import bound_link, netslice_blocks
from locus_iac.infra.spec import NsSpec
from locus_iac.infra.topology import (
    KduPlan,
    LinkPlan,
    NsPlan,
    PortPlan,
    Upstream,
    VduPlan,
    VnfPlan,
)
from locus_iac.sites import Site, SiteKind

log = logging.getLogger(__name__)
MIB_PER_GIB = 1024


class _Issues:
    def __init__(self) -> None:
        self.items: list[Issue] = []

    def add(self, code: str, message: str, *path: str | int) -> None:
        self.items.append(Issue(json_pointer(*path), code, message))


def resolve_ns(spec: NsSpec) -> NsPlan:
    """The deployment plan of ``spec``; raises :class:`ValidationError` listing every
    problem (unknown flavour, unplaced profile, VNF on the wrong kind of site...)."""
    issues = _Issues()
    df = _ns_df(spec.nsd, spec.df_id, issues)
    vnfs: list[VnfPlan] = []
    if df is not None:
        df_index = spec.nsd.df.index(df)
        for i, profile in enumerate(df.vnf_profile):
            vnf = _vnf(spec, profile, issues, ("nsd", "df", df_index, "vnf-profile", i))
            if vnf is not None:
                count = spec.vnf_counts.get(profile.id, _ns_instances(spec, df, profile.id))
                vnfs.extend(_instances(spec, vnf, count, issues))
    links = _links(spec, vnfs, issues)
    issues.items.extend(vpn_issues(spec.upstream, links))
    if issues.items:
        raise ValidationError(f"NS {spec.ns_instance_id}: cannot be deployed", issues.items)
    used_sites = {v.site for v in vnfs}
    return NsPlan(
        ns_instance_id=spec.ns_instance_id,
        name=spec.name or spec.nsd.name or spec.nsd.id,
        sites=tuple(s for s in spec.sites.sites if s.name in used_sites),
        vnfs=tuple(vnfs),
        links=tuple(links),
        saps={s.id: s.virtual_link_desc for s in spec.nsd.sapd if s.virtual_link_desc},
        ssh_public_keys=spec.ssh_public_keys,
        match_flavors=spec.match_flavors,
        upstream=relevant_upstream(spec.upstream, links),
        access=spec.access,
    )


def _ns_instances(spec: NsSpec, df: NsDf, profile_id: str) -> int:
    return level_instances(df, spec.ns_instantiation_level_id, profile_id)


def level_instances(df: NsDf, level_id: str | None, profile_id: str) -> int:
    """VNF instances of one profile: the NS instantiation level's ``vnf-to-level-mapping``
    (``level_id``, else the flavour's default level), else the profile's
    ``min-number-of-instances``, else 1 (SOL006 nsd/df)."""
    level_id = level_id or df.default_instantiation_level
    levels = {level.id: level for level in df.ns_instantiation_level}
    level = levels.get(level_id or "") or next(iter(levels.values()), None)
    for mapping in level.vnf_to_level_mapping if level else ():
        if mapping.vnf_profile_id == profile_id and mapping.number_of_instances is not None:
            return max(mapping.number_of_instances, 1)
    profile = df.vnf_profile_by_id(profile_id)
    return max(profile.min_number_of_instances or 1, 1) if profile else 1


def _instances(spec: NsSpec, vnf: VnfPlan, count: int, issues: _Issues) -> list[VnfPlan]:
    """``count`` instances of one VNF profile: the first keeps the profile id (scaling out
    never renames it), the others are ``<profile>-<n>``; those in ``removed_vnfs`` are left
    out and those in ``vnf_sites`` go to their own site (of the same kind)."""
    result: list[VnfPlan] = []
    for n in range(count):
        name = f"{vnf.profile_id}-{n}" if n else vnf.profile_id
        if name in spec.removed_vnfs:
            continue
        site_name = spec.vnf_sites.get(name, vnf.site)
        site = next((s for s in spec.sites.sites if s.name == site_name), None)
        if site is None or site.kind != vnf.kind:
            what = "no such site" if site is None else f"a {site.kind.value} site"
            issues.add(
                "wrong-site",
                f"VNF instance {name} needs a {vnf.kind.value} site; {site_name!r} is {what}",
                "vnf_sites",
                name,
            )
            continue
        result.append(vnf.model_copy(update={"profile_id": name, "site": site.name}))
    return result


def _ns_df(nsd: Nsd, df_id: str | None, issues: _Issues) -> NsDf | None:
    if not nsd.df:
        issues.add("missing-field", f"NSD {nsd.id} has no deployment flavour", "nsd", "df")
        return None
    if df_id is None:
        return nsd.df[0]
    found = nsd.df_by_id(df_id)
    if found is None:
        known = ", ".join(d.id for d in nsd.df)
        issues.add("unknown-flavour", f"NSD {nsd.id} has no df {df_id!r} ({known})", "df_id")
    return found


def _vnf(
    spec: NsSpec, profile: VnfProfile, issues: _Issues, where: tuple[str | int, ...]
) -> VnfPlan | None:
    vnfd = spec.vnfds.get(profile.vnfd_id)
    if vnfd is None:
        issues.add("unresolved-reference", f"VNFD {profile.vnfd_id!r} not given", *where, "vnfd-id")
        return None
    site_name = spec.placement.get(profile.id)
    if site_name is None:
        issues.add("unplaced", f"vnf-profile {profile.id} has no site", "placement", profile.id)
        return None
    site = next((s for s in spec.sites.sites if s.name == site_name), None)
    if site is None:
        issues.add("unknown-site", f"no site {site_name!r}", "placement", profile.id)
        return None
    want = SiteKind.KUBERNETES if vnfd.is_knf else SiteKind.OPENSTACK
    if site.kind != want:
        issues.add(
            "wrong-site-kind",
            f"VNFD {vnfd.id} needs a {want.value} site, {site.name} is {site.kind.value}",
            "placement",
            profile.id,
        )
        return None
    wiring = _wiring(profile, vnfd, issues, where)
    common = {
        "profile_id": profile.id,
        "vnfd_id": vnfd.id,
        "site": site.name,
        "kind": site.kind,
        "params": spec.parameters.get(profile.id, {}),
    }
    if want == SiteKind.KUBERNETES:
        return VnfPlan(**common, kdus=_kdus(spec, profile, vnfd, wiring))
    vdus = _vdus(spec, profile, vnfd, wiring, issues)
    return VnfPlan(**common, vdus=vdus, floating_ip=spec.floating_ips)


def _wiring(
    profile: VnfProfile, vnfd: Vnfd, issues: _Issues, where: tuple[str | int, ...]
) -> dict[str, tuple[str, bool]]:
    """ext-cpd id -> (NS VL id, is the management CP), from virtual-link-connectivity."""
    wiring: dict[str, tuple[str, bool]] = {}
    for i, conn in enumerate(profile.virtual_link_connectivity):
        for j, cpd in enumerate(conn.constituent_cpd_id):
            if cpd.constituent_cpd_id is None:
                continue
            if vnfd.ext_cpd_by_id(cpd.constituent_cpd_id) is None:
                issues.add(
                    "broken-reference",
                    f"VNFD {vnfd.id} has no ext-cpd {cpd.constituent_cpd_id!r}",
                    *where,
                    "virtual-link-connectivity",
                    i,
                    "constituent-cpd-id",
                    j,
                )
                continue
            mgmt = cpd.constituent_cpd_id == vnfd.mgmt_cp
            wiring[cpd.constituent_cpd_id] = (conn.virtual_link_profile_id, mgmt)
    return wiring


def _vdus(
    spec: NsSpec,
    profile: VnfProfile,
    vnfd: Vnfd,
    wiring: dict[str, tuple[str, bool]],
    issues: _Issues,
) -> tuple[VduPlan, ...]:
    counts = _vdu_counts(spec, profile, vnfd)
    plans: list[VduPlan] = []
    for i, vdu in enumerate(vnfd.vdu):
        where = ("vnfds", vnfd.id, "vdu", i)
        compute = vnfd.compute_desc(vdu.virtual_compute_desc or "")
        image = vnfd.image_desc(vdu.sw_image_desc or "")
        if compute is None or compute.virtual_cpu is None or compute.virtual_memory is None:
            issues.add("missing-field", f"VDU {vdu.id} has no usable compute desc", *where)
            continue
        if image is None:
            issues.add("missing-field", f"VDU {vdu.id} has no sw-image-desc", *where)
            continue
        disk = sum(
            (d.size_gb or 0)
            for d in (vnfd.storage_desc(s) for s in vdu.virtual_storage_desc)
            if d is not None
        )
        ports = _ports(vnfd, vdu.id, [c.id for c in vdu.int_cpd], wiring)
        plans.append(
            VduPlan(
                id=vdu.id,
                count=counts.get(vdu.id, 1),
                vcpu=compute.virtual_cpu.num_virtual_cpu or 1,
                memory_mb=int((compute.virtual_memory.size or 1) * MIB_PER_GIB),
                disk_gb=int(disk),
                **_image_fields(image),
                cloud_init=_cloud_init(spec, vnfd, vdu.cloud_init, vdu.cloud_init_file, issues),
                ports=ports,
            )
        )
    return tuple(plans)


def _ports(
    vnfd: Vnfd, vdu_id: str, int_cpds: list[str], wiring: dict[str, tuple[str, bool]]
) -> tuple[PortPlan, ...]:
    """The VDU's connected CPs, in int-cpd order (the order of the VM's NICs)."""
    by_cpd: dict[str, PortPlan] = {}
    for ext in vnfd.ext_cpd:
        inner = ext.int_cpd
        if ext.id in wiring and inner is not None and inner.vdu_id == vdu_id and inner.cpd:
            vl, mgmt = wiring[ext.id]
            by_cpd[inner.cpd] = PortPlan(cpd=inner.cpd, vl=vl, mgmt=mgmt)
    return tuple(by_cpd[c] for c in int_cpds if c in by_cpd)


def _image_fields(image: SwImageDesc) -> dict[str, str | None]:
    """Image by name, or uploaded when ``sw-image-desc/image`` is an http(s) URL."""
    source = image.image or image.name or image.id
    fields: dict[str, str | None] = {"image": source}
    if source.startswith(("http://", "https://")):
        fields = {"image": image.name or image.id, "image_url": source}
    if image.disk_format:
        fields["image_disk_format"] = str(image.disk_format)
    if image.container_format:
        fields["image_container_format"] = str(image.container_format)
    return fields


def _vdu_counts(spec: NsSpec, profile: VnfProfile, vnfd: Vnfd) -> dict[str, int]:
    df = vnfd.df_by_id(profile.flavour_id) if profile.flavour_id else None
    df = df or (vnfd.df[0] if vnfd.df else None)
    counts: dict[str, int] = {}
    if df is not None:
        for vp in df.vdu_profile:
            counts[vp.id] = vp.min_number_of_instances or 1
        level_id = (
            profile.instantiation_level
            or spec.instantiation_level_id
            or df.default_instantiation_level
        )
        level = df.instantiation_level_by_id(level_id) if level_id else None
        level = level or (df.instantiation_level[0] if df.instantiation_level else None)
        for vl in level.vdu_level if level else ():
            if vl.number_of_instances is not None:
                counts[vl.vdu_id] = vl.number_of_instances
    counts.update(spec.scale.get(profile.id, {}))
    return counts


def _package_file(spec: NsSpec, vnfd_id: str, *parts: str) -> Path | None:
    base = spec.package_dirs.get(vnfd_id)
    if base is None:
        return None
    path = base.joinpath(*parts)
    return path if path.exists() else None


def _cloud_init(
    spec: NsSpec, vnfd: Vnfd, inline: str | None, file: str | None, issues: _Issues
) -> str | None:
    if inline is not None or file is None:
        return inline
    path = _package_file(spec, vnfd.id, "cloud_init", file)
    if path is None:
        issues.add(
            "missing-artifact",
            f"cloud-init file {file!r} of VNFD {vnfd.id} not found (package_dirs)",
            "package_dirs",
            vnfd.id,
        )
        return None
    return path.read_text(encoding="utf-8")


def _kdus(
    spec: NsSpec, profile: VnfProfile, vnfd: Vnfd, wiring: dict[str, tuple[str, bool]]
) -> tuple[KduPlan, ...]:
    nets = {
        ext.k8s_cluster_net: wiring[ext.id][0]
        for ext in vnfd.ext_cpd
        if ext.id in wiring and ext.k8s_cluster_net is not None
    }
    networks = tuple(dict.fromkeys(nets.values()))
    scale = spec.scale.get(profile.id, {})
    values = spec.kdu_values.get(profile.id, {})
    plans = []
    for kdu in vnfd.kdu:
        chart = kdu.helm_chart or kdu.name
        local = _package_file(spec, vnfd.id, "helm-charts", chart)
        plans.append(
            KduPlan(
                name=kdu.name,
                chart=str(local) if local is not None else chart,
                replicas=scale.get(kdu.name, 1),
                values=values.get(kdu.name, {}),
                networks=networks,
            )
        )
    return tuple(plans)


def _links(spec: NsSpec, vnfs: list[VnfPlan], issues: _Issues) -> list[LinkPlan]:
    sites_of: dict[str, list[str]] = {}
    for vnf in vnfs:
        used = [p.vl for d in vnf.vdus for p in d.ports] + [n for k in vnf.kdus for n in k.networks]
        for vl in used:
            sites = sites_of.setdefault(vl, [])
            if vnf.site not in sites:
                sites.append(vnf.site)
    for vl_id in spec.netslice_links:
        if spec.nsd.virtual_link_desc_by_id(vl_id) is None:
            message = f"NSD {spec.nsd.id} has no virtual-link-desc {vl_id!r}"
            issues.add("broken-reference", message, "netslice_links", vl_id)
    fixed = netslice_blocks({"": spec.netslice_links})
    allocators: dict[str, CidrAllocator] = {}
    links = []
    for vl_id, site_names in sites_of.items():
        vld = spec.nsd.virtual_link_desc_by_id(vl_id)
        if vld is None:
            issues.add("broken-reference", f"NSD has no virtual-link-desc {vl_id!r}", "nsd")
            continue
        binding = spec.netslice_links.get(vl_id)
        if binding is not None:
            link, problems = bound_link(spec, vl_id, bool(vld.mgmt_network), site_names, binding)
            issues.items.extend(problems)
            links.append(link.model_copy(update={"vim_network_name": vld.vim_network_name}))
            continue
        existing: dict[str, str] = {}
        cidrs: dict[str, IPv4Network] = {}
        for name in site_names:
            site = spec.sites.site(name)
            found = _existing_network(site, vl_id, vld.vim_network_name, bool(vld.mgmt_network))
            if found is not None:
                existing[name] = found
                continue
            if name not in allocators:
                reserved = (*spec.reserved_cidrs.get(name, ()), *fixed.get(name, ()))
                allocators[name] = CidrAllocator(_pool(site), spec.cidr_prefix, reserved)
            cidrs[name] = allocators[name].allocate(vl_id)
        links.append(
            LinkPlan(
                id=vl_id,
                sites=tuple(site_names),
                mgmt=bool(vld.mgmt_network),
                vim_network_name=vld.vim_network_name,
                existing=existing,
                cidrs=cidrs,
            )
        )
    return links


def _existing_network(site: Site, vl_id: str, vim_name: str | None, mgmt: bool) -> str | None:
    """The VIM network an NS VL reuses at an OpenStack site (None: create one)."""
    if site.openstack is None:
        return None
    mappings = site.openstack.network_mappings
    if vl_id in mappings:
        return mappings[vl_id]
    if vim_name is not None:
        return mappings.get(vim_name, vim_name)
    if mgmt:
        return site.openstack.management_network
    return None


def _pool(site: Site) -> IPv4Network:
    if site.openstack is not None:
        return site.openstack.cidr_pool
    assert site.kubernetes is not None
    return site.kubernetes.cidr_pool


def relevant_upstream(upstream: Upstream, links: Iterable[LinkPlan]) -> Upstream:
    """Only the VPN stacks that join the two ends of some link of the plan (its own ends,
    or one of its ends and a netslice peer)."""
    pairs = [{a, b} for link in links for a, b in link.site_pairs]
    return Upstream(vpn=tuple(ref for ref in upstream.vpn if set(ref.sites) in pairs))


def vpn_issues(upstream: Upstream, links: Iterable[LinkPlan]) -> list[Issue]:
    """A link with ends at two sites, or with an end here and a netslice peer at another
    site, needs a VPN stack joining each such pair of sites; three local sites: unsupported."""
    issues = _Issues()
    for link in links:
        if len(link.sites) > 2:
            issues.add("unsupported", f"VL {link.id} spans more than two sites", "placement")
            continue
        seen: list[set[str]] = []
        for a, b in link.site_pairs:
            if {a, b} in seen:
                continue
            seen.append({a, b})
            if upstream.vpn_between(a, b) is None:
                what = "netslice peer " if b in link.peers else ""
                issues.add(
                    "no-vpn",
                    f"VL {link.id} joins {a} and {what}{b}, but no VPN stack joins them "
                    "(upstream.vpn)",
                    "upstream",
                    "vpn",
                )
    return issues.items

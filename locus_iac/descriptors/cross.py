"""References between descriptors (``unresolved-reference``).

SOL006 leafrefs that leave the descriptor (``/nfv:nfv/vnfd/id``, ``deref(../vnfd-id)/..``)
and OSM's NST references are resolved against descriptors the caller knows (a catalogue,
a set of packages given with ``--with``). Paths point into the subject's document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from locus_iac.descriptors.api import Descriptor
from locus_iac.descriptors.envelope import DescriptorKind
from locus_iac.descriptors.nsd import Nsd, NsDf, VirtualLinkConnectivity
from locus_iac.descriptors.nst import Nst
from locus_iac.descriptors.vnfd import Vnfd
from locus_iac.errors import Issue, json_pointer


class _Known:
    """The known descriptors indexed by kind and id."""

    def __init__(self, known: Iterable[Descriptor]) -> None:
        self.vnfds: dict[str, Vnfd] = {}
        self.nsds: dict[str, Nsd] = {}
        for descriptor in known:
            if isinstance(descriptor.model, Vnfd):
                self.vnfds[descriptor.id] = descriptor.model
            elif isinstance(descriptor.model, Nsd):
                self.nsds[descriptor.id] = descriptor.model


def _issue(prefix: str, message: str, *path: str | int) -> Issue:
    return Issue(prefix + json_pointer(*path), "unresolved-reference", message)


def _connectivity_cpds(
    vlcs: tuple[VirtualLinkConnectivity, ...], path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for v_index, vlc in enumerate(vlcs):
        for c_index, cpd in enumerate(vlc.constituent_cpd_id):
            if cpd.constituent_cpd_id is not None:
                where = (
                    *path,
                    "virtual-link-connectivity",
                    v_index,
                    "constituent-cpd-id",
                    c_index,
                    "constituent-cpd-id",
                )
                yield where, cpd.constituent_cpd_id


def _vnf_profiles(df: NsDf, d_index: int, known: _Known, prefix: str) -> Iterator[Issue]:
    for p_index, profile in enumerate(df.vnf_profile):
        vnfd = known.vnfds.get(profile.vnfd_id)
        if vnfd is None:
            continue  # reported once, on the vnfd-id list
        path: tuple[str | int, ...] = ("df", d_index, "vnf-profile", p_index)
        for where, cpd_id in _connectivity_cpds(profile.virtual_link_connectivity, path):
            if vnfd.ext_cpd_by_id(cpd_id) is None:
                yield _issue(prefix, f"VNFD '{vnfd.id}' has no ext-cpd '{cpd_id}'", *where)
        if profile.flavour_id is not None:
            vnf_df = vnfd.df_by_id(profile.flavour_id)
            if vnf_df is None:
                yield _issue(
                    prefix,
                    f"VNFD '{vnfd.id}' has no df '{profile.flavour_id}'",
                    *path,
                    "flavour-id",
                )
            elif profile.instantiation_level is not None and (
                vnf_df.instantiation_level_by_id(profile.instantiation_level) is None
            ):
                yield _issue(
                    prefix,
                    f"df '{vnf_df.id}' of VNFD '{vnfd.id}' has no instantiation-level "
                    f"'{profile.instantiation_level}'",
                    *path,
                    "instantiation-level",
                )


def _ns_profiles(df: NsDf, d_index: int, known: _Known, prefix: str) -> Iterator[Issue]:
    for p_index, profile in enumerate(df.ns_profile):
        nested = known.nsds.get(profile.nsd_id)
        if nested is None:
            continue
        path: tuple[str | int, ...] = ("df", d_index, "ns-profile", p_index)
        for where, cpd_id in _connectivity_cpds(profile.virtual_link_connectivity, path):
            if nested.sapd_by_id(cpd_id) is None:
                yield _issue(prefix, f"NSD '{nested.id}' has no sapd '{cpd_id}'", *where)


def _sapd_references(nsd: Nsd, known: _Known, prefix: str) -> Iterator[Issue]:
    for index, sapd in enumerate(nsd.sapd):
        vnfd = known.vnfds.get(sapd.vnf.vnfd_id) if sapd.vnf is not None else None
        if (
            sapd.vnf is not None
            and vnfd is not None
            and (vnfd.ext_cpd_by_id(sapd.vnf.ext_cpd_id) is None)
        ):
            yield _issue(
                prefix,
                f"VNFD '{vnfd.id}' has no ext-cpd '{sapd.vnf.ext_cpd_id}'",
                "sapd",
                index,
                "vnf",
                "ext-cpd-id",
            )
        nested = known.nsds.get(sapd.ns.nsd_id) if sapd.ns is not None else None
        if (
            sapd.ns is not None
            and nested is not None
            and (nested.sapd_by_id(sapd.ns.ext_cpd_id) is None)
        ):
            yield _issue(
                prefix,
                f"NSD '{nested.id}' has no sapd '{sapd.ns.ext_cpd_id}'",
                "sapd",
                index,
                "ns",
                "ext-cpd-id",
            )


def _nsd_references(nsd: Nsd, known: _Known, prefix: str) -> Iterator[Issue]:
    for index, vnfd_id in enumerate(nsd.vnfd_id):
        if vnfd_id not in known.vnfds:
            yield _issue(prefix, f"no known VNFD has id '{vnfd_id}'", "vnfd-id", index)
    for index, nsd_id in enumerate(nsd.nested_nsd_id):
        if nsd_id not in known.nsds:
            yield _issue(prefix, f"no known NSD has id '{nsd_id}'", "nested-nsd-id", index)
    yield from _sapd_references(nsd, known, prefix)
    for d_index, df in enumerate(nsd.df):
        yield from _vnf_profiles(df, d_index, known, prefix)
        yield from _ns_profiles(df, d_index, known, prefix)


def _nst_references(nst: Nst, known: _Known, prefix: str) -> Iterator[Issue]:
    for index, subnet in enumerate(nst.netslice_subnet):
        if subnet.nsd_ref not in known.nsds:
            yield _issue(
                prefix,
                f"no known NSD has id '{subnet.nsd_ref}'",
                "netslice-subnet",
                index,
                "nsd-ref",
            )
    for v_index, vld in enumerate(nst.netslice_vld):
        for c_index, ref in enumerate(vld.nss_connection_point_ref):
            owner = nst.subnet_by_id(ref.nss_ref)
            nsd = known.nsds.get(owner.nsd_ref) if owner is not None else None
            if nsd is not None and nsd.sapd_by_id(ref.nsd_connection_point_ref) is None:
                yield _issue(
                    prefix,
                    f"NSD '{nsd.id}' (subnet '{ref.nss_ref}') has no sapd "
                    f"'{ref.nsd_connection_point_ref}'",
                    "netslice-vld",
                    v_index,
                    "nss-connection-point-ref",
                    c_index,
                    "nsd-connection-point-ref",
                )


def check_references(subject: Descriptor, known: Iterable[Descriptor]) -> list[Issue]:
    """Every reference from ``subject`` to another descriptor that ``known`` cannot resolve.

    NSD: ``vnfd-id`` entries -> known VNFDs, ``constituent-cpd-id`` -> that VNFD's
    ``ext-cpd``, ``flavour-id``/``instantiation-level`` -> that VNFD's df and level,
    ``nested-nsd-id`` -> known NSDs, SAPs and ns-profiles -> the nested NSD's ``sapd``.
    NST: ``nsd-ref`` -> known NSDs, ``nsd-connection-point-ref`` -> the ``sapd`` of the NSD
    of the subnet named by ``nss-ref``. A VNFD refers to no other descriptor.
    """
    index = _Known(known)
    if subject.kind is DescriptorKind.NSD and isinstance(subject.model, Nsd):
        return list(_nsd_references(subject.model, index, subject.pointer))
    if subject.kind is DescriptorKind.NST and isinstance(subject.model, Nst):
        return list(_nst_references(subject.model, index, subject.pointer))
    return []

"""What one VNF instance needs, read from its VNFD (SOL006 v3.3.1 etsi-nfv-vnf).

* A VNFD with VDUs is a VM function. Per VDU: ``virtual-compute-desc/virtual-cpu/
  num-virtual-cpu`` vCPUs (1 when absent), ``virtual-memory/size`` GB of memory (SOL006
  states it in GB; 0 when absent) and the sum of its ``virtual-storage-desc`` sizes in GB,
  times the VDU's ``number-of-instances`` in the flavour's instantiation level (else its
  ``vdu-profile`` ``min-number-of-instances``, else 1).
* A VNFD with KDUs (OSM KNF) is a container function. Helm charts state no resources in the
  descriptor, so each replica counts as :data:`DEFAULT_POD` (0.1 vCPU, 0.125 GB, 1 pod:
  enough for capacity in pods to matter, small enough not to distort CPU sums). Replicas per
  KDU: the ``min-number-of-instances`` of its ``kdu-resource-profile`` entries, else 1.
* A VNFD with both is refused: no one site kind runs it.
"""

from __future__ import annotations

from locus_iac.descriptors import Vnfd, VnfDf
from locus_iac.errors import Issue
from locus_iac.placement.model import FunctionKind
from locus_iac.sites import Resources

DEFAULT_POD = Resources(vcpu=0.1, memory_gb=0.125, pods=1)
"""Resources counted per KNF replica (Helm charts carry none in the descriptor)."""


def vnf_demand(
    vnfd: Vnfd, flavour_id: str | None, level_id: str | None, where: str
) -> tuple[FunctionKind, Resources, list[Issue]]:
    """Kind and resources of one instance of ``vnfd`` in a flavour and instantiation level.

    ``where`` is the JSON pointer of the referring vnf-profile, for issues.
    """
    df, issues = _flavour(vnfd, flavour_id, where)
    if vnfd.is_knf:
        if vnfd.vdu:
            issues.append(
                Issue(
                    where,
                    "mixed-vnf",
                    f"VNFD {vnfd.id} has both VDUs and KDUs; no single "
                    "kind of site (OpenStack or Kubernetes) can run it",
                )
            )
        return FunctionKind.CONTAINER, DEFAULT_POD.scaled(_replicas(vnfd, df)), issues
    counts = _vdu_counts(vnfd, df, level_id, where, issues)
    total = Resources()
    for vdu in vnfd.vdu:
        compute = vnfd.compute_desc(vdu.virtual_compute_desc or "")
        vcpu = 1.0
        memory = 0.0
        if compute is not None and compute.virtual_cpu is not None:
            vcpu = float(compute.virtual_cpu.num_virtual_cpu or 1)
        if compute is not None and compute.virtual_memory is not None:
            memory = float(compute.virtual_memory.size or 0)
        storage = 0.0
        for storage_id in vdu.virtual_storage_desc:
            desc = vnfd.storage_desc(storage_id)
            storage += float((desc.size_gb if desc is not None else None) or 0)
        one = Resources(vcpu=vcpu, memory_gb=memory, storage_gb=storage)
        total = add(total, one.scaled(counts.get(vdu.id, 1)))
    return FunctionKind.VM, total, issues


def add(a: Resources, b: Resources) -> Resources:
    """The sum of two amounts of resources."""
    return Resources(
        vcpu=a.vcpu + b.vcpu,
        memory_gb=a.memory_gb + b.memory_gb,
        storage_gb=a.storage_gb + b.storage_gb,
        pods=a.pods + b.pods,
    )


def _flavour(vnfd: Vnfd, flavour_id: str | None, where: str) -> tuple[VnfDf | None, list[Issue]]:
    if flavour_id is None:
        return (vnfd.df[0] if vnfd.df else None), []
    df = vnfd.df_by_id(flavour_id)
    if df is None:
        known = ", ".join(d.id for d in vnfd.df) or "none"
        return None, [
            Issue(
                f"{where}/flavour-id",
                "broken-reference",
                f"VNFD {vnfd.id} has no deployment flavour {flavour_id!r} (flavours: {known})",
            )
        ]
    return df, []


def _vdu_counts(
    vnfd: Vnfd, df: VnfDf | None, level_id: str | None, where: str, issues: list[Issue]
) -> dict[str, int]:
    if df is None:
        return {}
    counts = {p.id: p.min_number_of_instances or 1 for p in df.vdu_profile}
    chosen = level_id or df.default_instantiation_level
    level = df.instantiation_level_by_id(chosen) if chosen else None
    if chosen and level is None and level_id:
        issues.append(
            Issue(
                f"{where}/instantiation-level",
                "broken-reference",
                f"flavour {df.id} of VNFD {vnfd.id} has no instantiation level {level_id!r}",
            )
        )
    if level is None and df.instantiation_level:
        level = df.instantiation_level[0]
    if level is not None:
        for vdu_level in level.vdu_level:
            if vdu_level.number_of_instances is not None:
                counts[vdu_level.vdu_id] = vdu_level.number_of_instances
    return counts


def _replicas(vnfd: Vnfd, df: VnfDf | None) -> int:
    total = 0
    for kdu in vnfd.kdu:
        profiles = [p for p in (df.kdu_resource_profile if df else ()) if p.kdu_name == kdu.name]
        total += sum(p.min_number_of_instances or 1 for p in profiles) if profiles else 1
    return total

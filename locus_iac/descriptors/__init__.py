"""SOL006 (v3.3.1) VNFD/NSD and OSM NST descriptors: typed models, parsing and validation.

``parse_descriptor`` reads one document (OSM or SOL006 envelope), validates it completely
and returns a :class:`Descriptor` holding the typed model; ``check_references`` resolves
the references to other descriptors; ``dump_descriptor`` serves the document back.

Issue codes (stable; ``Issue.path`` is a JSON pointer into the document as written):

==========================  ===============================================================
``yaml-syntax``             not YAML (or not UTF-8); the message gives line and column
``yaml-alias``              a YAML alias (``*name``): refused, it is how YAML bombs work
``duplicate-key``           a key repeated in one mapping (YAML would keep the last one)
``too-large``               over 16 MiB, or nested deeper than 64 levels
``unknown-envelope``        no ``vnfd`` / ``etsi-nfv-vnfd:vnfd`` / ``nsd`` /
                            ``etsi-nfv-nsd:nsd`` / ``nst`` top-level key
``multiple-descriptors``    more than one descriptor (envelope, list entry or document)
``unknown-field``           a field the model does not have (OSM rejects them too)
``missing-field``           a mandatory field is absent (incl. OSM's ``mgmt-cp`` with VDUs)
``wrong-type``              e.g. a mapping where a list is expected, text for a number
``invalid-value``           out of range, not an allowed value, or inconsistent (a YANG
                            ``choice`` with two cases given, min above max...)
``duplicate-key-value``     a YANG list key repeated (two VDUs with the same id)
``broken-reference``        a reference inside the descriptor names nothing
``unresolved-reference``    a reference to another descriptor that is not known
==========================  ===============================================================

When the model cannot be built (schema issues), the in-descriptor references and list keys
are still checked, on the raw data, so one pass reports everything.

Not modelled (reported as ``unknown-field``): SOL006 v3.3.1 ``vnf-package-change-info`` and
``lcm-operations-coordination``, VNFD ``configurable-properties/vnfm-interface-info``, and an
NST ``netslicefgd`` or ``instantiation-parameters``. The OSM IM leaves OSM keeps in SOL006
descriptors (EPA, PDUs, ``vnffgd`` in its v2.6.1 form, Juju relations, ``ns-configuration``,
NSD ``dependencies``/``monitored-info``) are modelled: :mod:`locus_iac.descriptors.osm_im`.
Leaves SOL006 makes mandatory and OSM does not enforce are ``Descriptor.warnings``
(``missing-field``), errors only with ``parse_descriptor(..., strict=True)``.
"""

from locus_iac.descriptors.api import Descriptor, dump_descriptor, parse_descriptor
from locus_iac.descriptors.cross import check_references
from locus_iac.descriptors.day12 import (
    ConfigPrimitive,
    Day12,
    ExecutionEnvironment,
    Juju,
    ParameterValue,
    PrimitiveParameter,
    SequencedPrimitive,
)
from locus_iac.descriptors.envelope import DescriptorKind
from locus_iac.descriptors.nsd import (
    ConstituentCpd,
    Nsd,
    NsDf,
    NsProfile,
    NsVirtualLinkDesc,
    NsVirtualLinkProfile,
    Sapd,
    VirtualLinkConnectivity,
    Vnffgd,
    VnfProfile,
)
from locus_iac.descriptors.nst import (
    NetsliceSubnet,
    NetsliceVld,
    NssConnectionPointRef,
    Nst,
    QualityOfService,
    Snssai,
)
from locus_iac.descriptors.pnfd import Pnfd
from locus_iac.descriptors.vnfd import K8sCluster, K8sClusterNet, Kdu, KduService, Vnfd
from locus_iac.descriptors.vnfd_df import (
    HealingAspect,
    InstantiationLevel,
    KduResourceProfile,
    ScalingAspect,
    ScalingPolicy,
    VduLevel,
    VduProfile,
    VnfDf,
    VnfVirtualLinkProfile,
)
from locus_iac.descriptors.vnfd_resources import (
    ExtCpd,
    IntCpd,
    IntVirtualLinkDesc,
    SwImageDesc,
    Vdu,
    VirtualComputeDesc,
    VirtualCpu,
    VirtualMemory,
    VirtualStorageDesc,
)

__all__ = [
    "ConfigPrimitive",
    "ConstituentCpd",
    "Day12",
    "Descriptor",
    "DescriptorKind",
    "ExecutionEnvironment",
    "ExtCpd",
    "HealingAspect",
    "InstantiationLevel",
    "IntCpd",
    "IntVirtualLinkDesc",
    "Juju",
    "K8sCluster",
    "K8sClusterNet",
    "Kdu",
    "KduResourceProfile",
    "KduService",
    "NetsliceSubnet",
    "NetsliceVld",
    "NsDf",
    "NsProfile",
    "NsVirtualLinkDesc",
    "NsVirtualLinkProfile",
    "Nsd",
    "NssConnectionPointRef",
    "Nst",
    "ParameterValue",
    "Pnfd",
    "PrimitiveParameter",
    "QualityOfService",
    "Sapd",
    "ScalingAspect",
    "ScalingPolicy",
    "SequencedPrimitive",
    "Snssai",
    "SwImageDesc",
    "Vdu",
    "VduLevel",
    "VduProfile",
    "VirtualComputeDesc",
    "VirtualCpu",
    "VirtualLinkConnectivity",
    "VirtualMemory",
    "VirtualStorageDesc",
    "VnfDf",
    "VnfProfile",
    "VnfVirtualLinkProfile",
    "Vnfd",
    "Vnffgd",
    "check_references",
    "dump_descriptor",
    "parse_descriptor",
]

"""PNF descriptors (SOL006 v3.3.1 ``etsi-nfv-pnfd``: container ``pnfd``, grouping ``pnfd`` of
``etsi-nfv-pnf``).

A PNFD describes a physical network function for its connectivity only: the external
connection points (``ext-cpd``) where an NS connects it to a virtual link, plus labels and
security group rules. NSDs name PNFDs in their ``pnfd-id`` list.
"""

from __future__ import annotations

from typing import Annotated

from locus_iac.descriptors._base import SOL_MANDATORY, Keyed
from locus_iac.descriptors.vnfd_resources import Cpd, SecurityGroupRule


class Pnfd(Keyed):
    """SOL006 v3.3.1 etsi-nfv-pnf: grouping pnfd (``version`` is SOL006-mandatory)."""

    function_description: str | None = None
    provider: str | None = None
    version: Annotated[str | None, SOL_MANDATORY] = None
    invariant_id: str | None = None
    name: str | None = None
    ext_cpd: tuple[Cpd, ...] = ()
    geographical_location_info: str | None = None
    security_group_rule: tuple[SecurityGroupRule, ...] = ()

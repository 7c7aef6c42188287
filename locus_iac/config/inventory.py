"""Ansible inventories built from the stack outputs of an NS instance.

The NS program (:func:`locus_iac.infra.program.build_ns`) exports ``management``: VNF profile
id -> ``<vdu-id>-<index>`` -> the address Day1 connects to. Each VDU instance becomes one
host named ``<vdu-id>-<index>`` in a group named after its VDU; the SSH user comes from the
VNFD's ``config-access/ssh-access/default-user`` (OSM day1-2), the private key is the NS
instance's key file (its path goes into the inventory, never its content).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from locus_iac.errors import Issue, ValidationError

_HOST_NAME = re.compile(r"^(?P<vdu>.+)-(?P<index>\d+)$")


class SshTarget(BaseModel):
    """One host Ansible connects to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="inventory host name: <vdu-id>-<index>")
    address: str
    port: int = Field(default=22, ge=1, le=65535)
    user: str
    vdu: str | None = None


class Inventory(BaseModel):
    """The hosts of one run and how to reach them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    targets: tuple[SshTarget, ...]
    private_key_file: Path
    python_interpreter: str = "auto_silent"

    def for_vdu(self, vdu_id: str) -> Inventory:
        """Only the instances of VDU ``vdu_id`` (for a VDU-level day1-2 entry)."""
        targets = tuple(t for t in self.targets if t.vdu == vdu_id)
        if not targets:
            raise ValidationError(
                f"no management address for VDU {vdu_id!r}",
                [Issue(f"/vdu/{vdu_id}", "no-management-address", "no instance of this VDU")],
            )
        return self.model_copy(update={"targets": targets})

    def only(self, names: Collection[str]) -> Inventory:
        """Only the hosts named (e.g. the VDU instances a scale-out added)."""
        targets = tuple(t for t in self.targets if t.name in names)
        return self.model_copy(update={"targets": targets})

    def as_ansible(self, known_hosts: Path) -> dict[str, Any]:
        """The YAML/JSON inventory document ansible-runner writes to ``inventory/hosts``."""
        hosts: dict[str, dict[str, Any]] = {}
        groups: dict[str, dict[str, Any]] = {}
        for t in self.targets:
            hosts[t.name] = {
                "ansible_host": t.address,
                "ansible_port": t.port,
                "ansible_user": t.user,
            }
            if t.vdu:
                groups.setdefault(t.vdu, {"hosts": {}})["hosts"][t.name] = {}
        common_args = (
            f"-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={known_hosts} "
            "-o IdentitiesOnly=yes -o BatchMode=yes "
            # a VM that vanished mid-run must not leave ssh hanging on a dead connection
            "-o ServerAliveInterval=15 -o ServerAliveCountMax=3"
        )
        return {
            "all": {
                "hosts": hosts,
                "children": groups,
                "vars": {
                    "ansible_ssh_private_key_file": str(self.private_key_file),
                    "ansible_ssh_common_args": common_args,
                    "ansible_python_interpreter": self.python_interpreter,
                },
            }
        }


def inventory_from_outputs(
    management: Mapping[str, Any] | None,
    vnf_profile_id: str,
    *,
    user: str,
    private_key_file: Path,
    port: int = 22,
) -> Inventory:
    """Hosts of one VNF from the stack output ``management`` (see module docstring).

    Raises :class:`ValidationError` (pointer ``/outputs/management/<vnf>``) when the stack
    exports no management address for that VNF.
    """
    where = f"/outputs/management/{vnf_profile_id}"
    per_vnf = (management or {}).get(vnf_profile_id)
    if not isinstance(per_vnf, Mapping) or not per_vnf:
        raise ValidationError(
            f"the NS stack exports no management address for VNF {vnf_profile_id!r}",
            [Issue(where, "no-management-address", "Day1/Day2 need a management address")],
        )
    targets = []
    issues = []
    for name, address in sorted(per_vnf.items()):
        if not isinstance(address, str) or not address:
            issues.append(Issue(f"{where}/{name}", "no-management-address", "empty address"))
            continue
        match = _HOST_NAME.match(name)
        targets.append(
            SshTarget(
                name=name,
                address=address,
                port=port,
                user=user,
                vdu=match.group("vdu") if match else None,
            )
        )
    if issues:
        raise ValidationError("bad management addresses in the stack outputs", issues)
    return Inventory(targets=tuple(targets), private_key_file=private_key_file)

"""``OpenStackVnf``: the VDUs of one VNF as Nova servers (seed §4.1.1.4, OpenStack VIM).

Per VDU: a flavor from ``virtual-compute-desc``/``virtual-storage-desc`` (an existing
flavor matched by vCPUs, RAM and disk when asked, else a private flavor), an image from
``sw-image-desc`` (looked up by name, or uploaded from a URL). Per VDU instance: one Neutron
port per connection point on the network of its VL, with the NS security groups, a server
whose ``user_data`` is the package's cloud-init rendered with the instance parameters
(Day0), and a floating IP on the management port when asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_openstack as openstack

from locus_iac.infra.components._checks import invalid
from locus_iac.infra.day0 import render_cloud_init
from locus_iac.infra.topology import VduPlan, VnfPlan


@dataclass(frozen=True)
class OpenStackVnfArgs:
    """Inputs of :class:`OpenStackVnf`.

    ``networks`` maps each VL id the VNF's ports use to a Neutron network id;
    ``floating_ip_pool`` is the external network to take floating IPs from (only used when
    the plan asks for floating IPs).
    """

    ns_instance_id: str
    vnf: VnfPlan
    networks: Mapping[str, pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    key_pair: pulumi.Input[str] | None = None
    ssh_public_keys: Sequence[str] = field(default_factory=tuple)
    floating_ip_pool: str | None = None
    match_flavors: bool = False


@dataclass(frozen=True)
class VduInstance:
    """The resources of one VDU instance."""

    server: openstack.compute.Instance
    ports: dict[str, openstack.networking.Port]
    floating_ip: openstack.networking.FloatingIp | None
    management_address: pulumi.Output[str] | None


class OpenStackVnf(pulumi.ComponentResource):
    """All VDU instances of one VNF; ``management_addresses`` maps ``vdu-index`` to the
    address Day1 uses (the floating IP when there is one)."""

    instances: dict[str, list[VduInstance]]
    management_addresses: pulumi.Output[dict[str, str]]

    def __init__(
        self, name: str, args: OpenStackVnfArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("locus:openstack:Vnf", name, None, opts)
        self._args = args
        self.instances = {}
        for vdu in args.vnf.vdus:
            missing = sorted({p.vl for p in vdu.ports} - set(args.networks))
            if missing:
                raise invalid(f"{name}: VDU {vdu.id} uses VLs with no network: {missing}")
            flavor_id = self._flavor(name, vdu)
            image_id = self._image(name, vdu)
            self.instances[vdu.id] = [
                self._instance(f"{name}-{vdu.id}-{i}", vdu, i, flavor_id, image_id)
                for i in range(vdu.count)
            ]
        addresses = {
            f"{vdu_id}-{i}": inst.management_address
            for vdu_id, insts in self.instances.items()
            for i, inst in enumerate(insts)
            if inst.management_address is not None
        }
        self.management_addresses = pulumi.Output.all(**addresses).apply(dict)
        self.register_outputs({"management_addresses": self.management_addresses})

    def _flavor(self, name: str, vdu: VduPlan) -> pulumi.Output[str]:
        if self._args.match_flavors:
            found = openstack.compute.get_flavor_output(
                vcpus=vdu.vcpu,
                ram=vdu.memory_mb,
                min_disk=vdu.disk_gb,
                opts=pulumi.InvokeOptions(parent=self),
            )
            return found.id
        flavor = openstack.compute.Flavor(
            f"{name}-{vdu.id}-flavor",
            name=f"locus-{self._args.ns_instance_id[:8]}-{self._args.vnf.profile_id}-{vdu.id}",
            vcpus=vdu.vcpu,
            ram=vdu.memory_mb,
            disk=vdu.disk_gb,
            is_public=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return flavor.id

    def _image(self, name: str, vdu: VduPlan) -> pulumi.Output[str]:
        if vdu.image_url is not None:
            image = openstack.images.Image(
                f"{name}-{vdu.id}-image",
                name=vdu.image,
                image_source_url=vdu.image_url,
                container_format=vdu.image_container_format,
                disk_format=vdu.image_disk_format,
                visibility="private",
                opts=pulumi.ResourceOptions(parent=self),
            )
            return image.id
        found = openstack.images.get_image_output(
            name=vdu.image, most_recent=True, opts=pulumi.InvokeOptions(parent=self)
        )
        return found.id

    def _instance(
        self,
        prefix: str,
        vdu: VduPlan,
        index: int,
        flavor_id: pulumi.Input[str],
        image_id: pulumi.Input[str],
    ) -> VduInstance:
        args = self._args
        child = pulumi.ResourceOptions(parent=self)
        server_name = f"{args.ns_instance_id[:8]}-{args.vnf.profile_id}-{vdu.id}-{index}"
        ports: dict[str, openstack.networking.Port] = {}
        for port in vdu.ports:
            ports[port.cpd] = openstack.networking.Port(
                f"{prefix}-{port.cpd}",
                name=f"{server_name}-{port.cpd}",
                network_id=args.networks[port.vl],
                security_group_ids=list(args.security_group_ids),
                admin_state_up=True,
                opts=child,
            )
        user_data = None
        if vdu.cloud_init is not None:
            user_data = render_cloud_init(
                vdu.cloud_init,
                args.vnf.params,
                ns_instance_id=args.ns_instance_id,
                vnf=args.vnf.profile_id,
                vdu=vdu.id,
                index=index,
                ssh_public_keys=args.ssh_public_keys,
                source=f"VNF {args.vnf.profile_id} VDU {vdu.id}",
            )
        server = openstack.compute.Instance(
            f"{prefix}-server",
            name=server_name,
            flavor_id=flavor_id,
            image_id=image_id,
            key_pair=args.key_pair,
            user_data=user_data,
            networks=[openstack.compute.InstanceNetworkArgs(port=p.id) for p in ports.values()],
            metadata={
                "locus_ns_instance": args.ns_instance_id,
                "locus_vnf": args.vnf.profile_id,
                "locus_vdu": vdu.id,
            },
            # Nova replaces a server whose ports change (a port deleted out of band and
            # re-created by heal): the new server takes the same, pre-created ports, which
            # stay bound to the old server until it is gone
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        return self._management(prefix, vdu, server, ports)

    def _management(
        self,
        prefix: str,
        vdu: VduPlan,
        server: openstack.compute.Instance,
        ports: dict[str, openstack.networking.Port],
    ) -> VduInstance:
        mgmt = next((p for p in vdu.ports if p.mgmt), None)
        if mgmt is None:
            return VduInstance(server, ports, None, None)
        mgmt_port = ports[mgmt.cpd]
        fixed = mgmt_port.all_fixed_ips.apply(lambda ips: ips[0] if ips else "")
        if not (self._args.vnf.floating_ip and self._args.floating_ip_pool):
            return VduInstance(server, ports, None, fixed)
        child = pulumi.ResourceOptions(parent=self, depends_on=[server])
        fip = openstack.networking.FloatingIp(
            f"{prefix}-fip", pool=self._args.floating_ip_pool, opts=child
        )
        openstack.networking.FloatingIpAssociate(
            f"{prefix}-fip-assoc", floating_ip=fip.address, port_id=mgmt_port.id, opts=child
        )
        return VduInstance(server, ports, fip, fip.address)

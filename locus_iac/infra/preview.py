"""Run a Pulumi program offline, under the SDK's mocks, and record the resource plan.

This is what ``locus plan`` and the stack tests use: the real program runs against
:func:`pulumi.runtime.set_mocks` with :class:`PreviewMocks` (plausible results for the
lookups the programs make: flavors, images, networks, subnets, security groups, stack
references) and a :class:`RecordingMonitor` that keeps, per registered resource, its type,
name, parent, dependencies and inputs. No engine, no credentials, no network.

Secret inputs and exports are recorded as ``[secret]``; values only known after a real
``up`` (addresses, ids of looked-up objects) read ``(known after up: ...)``.

This module leans on the SDK's mock machinery beyond ``set_mocks`` (the wire signatures of
secrets and resource references, the root-resource context variable, the set of pending
outputs): it is written against pulumi 3.x and kept in this one place.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from locus_iac.errors import LocusError, PermanentError
from locus_iac.infra.topology import Upstream

log = logging.getLogger(__name__)
SECRET = "[secret]"
UNKNOWN = "(unknown during preview)"
_LOOKUP_IDS = {
    "getFlavor": ("flavor", ("vcpus", "ram", "minDisk")),
    "getImage": ("image", ("name",)),
    "getNetwork": ("network", ("name",)),
    "getSubnet": ("subnet", ("networkId",)),
    "getSecGroup": ("secgroup", ("name",)),
    "getRouter": ("router", ("name",)),
    "getRole": ("role", ("name",)),
}


def later(what: str) -> str:
    """The placeholder of a value only a real deployment knows."""
    return f"(known after up: {what})"


@dataclass(frozen=True)
class PlannedResource:
    """One resource the program declares (or reads, ``read=True``)."""

    type: str
    name: str
    urn: str
    parent: str | None
    dependencies: tuple[str, ...]
    inputs: dict[str, Any]
    custom: bool
    read: bool = False
    provider: str | None = None


@dataclass(frozen=True)
class Lookup:
    """One provider function the program calls (``get_flavor``, ``get_network``...)."""

    token: str
    args: dict[str, Any]


@dataclass
class ProgramPlan:
    """Everything one mock run declared: resources in registration order, lookups, exports."""

    resources: list[PlannedResource] = field(default_factory=list)
    lookups: list[Lookup] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> PlannedResource:
        for res in self.resources:
            if res.name == name:
                return res
        raise KeyError(name)

    def by_urn(self, urn: str) -> PlannedResource:
        for res in self.resources:
            if res.urn == urn:
                return res
        raise KeyError(urn)

    def children(self, parent: PlannedResource) -> list[PlannedResource]:
        return [r for r in self.resources if r.parent == parent.urn]

    def count(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for res in self.resources:
            counts[res.type] = counts.get(res.type, 0) + 1
        return counts


def _plain(value: Any) -> Any:
    """Turn the wire form of inputs into plain JSON, hiding secrets."""
    if isinstance(value, dict):
        sig = value.get(rpc._special_sig_key)
        if sig == rpc._special_secret_sig:
            return SECRET
        if sig == rpc._special_resource_sig:
            return value.get("urn", "")
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value == rpc.UNKNOWN:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf Struct numbers are all doubles
    return value


def _provider_name(reference: str) -> str | None:
    """The name of the provider in a ``urn::id`` provider reference."""
    if not reference:
        return None
    urn = reference.split("::")
    return urn[-2] if len(urn) >= 2 else reference


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, also recording parents, dependencies and raw inputs."""

    def __init__(self, mocks: PreviewMocks) -> None:
        super().__init__(mocks)
        self.plan = ProgramPlan()

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self.plan.resources.append(
                PlannedResource(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent or None,
                    dependencies=tuple(request.dependencies),
                    inputs=_plain(json_format.MessageToDict(request.object)),
                    custom=bool(request.custom),
                    provider=_provider_name(request.provider),
                )
            )
        return response

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        self.plan.resources.append(
            PlannedResource(
                type=request.type,
                name=request.name,
                urn=response.urn,
                parent=request.parent or None,
                dependencies=tuple(request.dependencies),
                inputs=_plain(json_format.MessageToDict(request.properties)),
                custom=True,
                read=True,
                provider=_provider_name(request.provider),
            )
        )
        return response

    def Invoke(self, request: Any) -> Any:
        if request.tok != "pulumi:pulumi:getResource":
            args = _plain(json_format.MessageToDict(request.args))
            self.plan.lookups.append(Lookup(request.tok, args))
        return super().Invoke(request)  # type: ignore[no-untyped-call]


class PreviewMocks(pulumi_mocks.Mocks):
    """Plausible results for an offline run of the locus programs.

    Resources echo their inputs and get a deterministic id; computed attributes the
    programs read (port addresses, floating IPs, subnet CIDRs) are placeholders.
    Lookups answer with a deterministic id derived from their arguments.
    ``stack_outputs`` answers ``StackReference``\\s by stack name.
    """

    def __init__(self, stack_outputs: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.stack_outputs = dict(stack_outputs or {})

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        rid = f"{args.name}-id"
        if args.typ == "pulumi:pulumi:StackReference":
            stack = str(state.get("name", args.name))
            state["outputs"] = dict(self.stack_outputs.get(stack, {}))
            return stack, state
        if args.typ.endswith("networking/port:Port"):
            state.setdefault("allFixedIps", [later(f"fixed IP of {args.name}")])
        elif args.typ.endswith("networking/floatingIp:FloatingIp"):
            state.setdefault("address", later(f"floating IP of {args.name}"))
        elif args.typ.endswith("compute/instance:Instance"):
            state.setdefault("accessIpV4", later(f"address of {args.name}"))
        elif args.typ.endswith("networking/subnet:Subnet") and not state.get("noGateway"):
            # Neutron's default: the first address of the block
            cidr = state.get("cidr")
            if isinstance(cidr, str) and "gatewayIp" not in state:
                state["gatewayIp"] = str(next(IPv4Network(cidr).hosts()))
        elif args.typ.endswith("compute/keypair:Keypair"):
            state.setdefault("name", args.name)
        return rid, state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        function = args.token.rsplit(":", 1)[-1]
        known = _LOOKUP_IDS.get(function)
        if known is None:
            log.debug("no mock answer for %s", args.token)
            return {}, []
        kind, keys = known
        given = [_plain(args.args[k]) for k in keys if args.args.get(k) is not None]
        suffix = "-".join(str(v) for v in given)
        result: dict[str, Any] = {"id": f"{kind}-{suffix}" if suffix else kind, **args.args}
        if function == "getSubnet":
            result["cidr"] = later(f"CIDR of the subnet of network {args.args.get('networkId')}")
        return result, []


def run_program(
    program: Callable[[], object],
    *,
    project: str = "locus-ns",
    stack: str = "preview",
    config: Mapping[str, str] | None = None,
    secret_keys: Sequence[str] = (),
    mocks: PreviewMocks | None = None,
) -> ProgramPlan:
    r"""Run ``program`` under mocks (in an isolated context) and return what it declared.

    ``config`` keys without a namespace get ``project:``. :class:`LocusError`\s raised by
    the program propagate unchanged; anything else (a bug, an SDK error) is translated
    here, once, into :class:`PermanentError` naming the program's failure.
    """
    monitor = RecordingMonitor(mocks or PreviewMocks())
    _ensure_event_loop()

    def body() -> None:
        pulumi_settings.ROOT.set(None)
        pulumi_mocks.set_mocks(
            monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor
        )
        # a fresh set of pending outputs for this run: the SDK's default one is shared by
        # every context, so tasks of an earlier, failed run would surface here
        pulumi_settings.SETTINGS.outputs = set()
        full = {k if ":" in k else f"{project}:{k}": v for k, v in (config or {}).items()}
        secrets = [k if ":" in k else f"{project}:{k}" for k in secret_keys]
        pulumi.runtime.set_all_config(full, secrets)

        def declare() -> None:
            program()

        try:
            _sync_await(run_pulumi_func(declare))
        finally:
            _cancel_leftovers()
        monitor.plan.outputs.update(_exports())

    try:
        contextvars.copy_context().run(body)
    except LocusError:
        raise
    except Exception as exc:
        log.debug("program failed under mocks", exc_info=True)
        raise PermanentError(f"the program failed: {type(exc).__name__}: {exc}") from exc
    return monitor.plan


def _ensure_event_loop() -> None:
    """Give this thread an event loop if it has none: the SDK runs mocks on the current loop,
    and an ``asyncio.run`` anywhere earlier in the process leaves the main thread without one."""
    policy = asyncio.get_event_loop_policy()
    try:
        loop = policy.get_event_loop()
    except RuntimeError:
        loop = None
    if loop is None or loop.is_closed():
        policy.set_event_loop(policy.new_event_loop())


def _cancel_leftovers() -> None:
    """Cancel tasks a failed run left pending, so they cannot fail the next run."""
    leftovers = list(pulumi_settings.SETTINGS.outputs)
    pulumi_settings.SETTINGS.outputs = set()
    for task in leftovers:
        task.cancel()
    if leftovers:
        _sync_await(asyncio.gather(*leftovers, return_exceptions=True))


def _exports() -> dict[str, Any]:
    root = pulumi_settings.get_root_resource()
    outputs: dict[str, Any] = dict(getattr(root, "outputs", {}) or {})
    resolved: dict[str, Any] = {}
    for key, value in outputs.items():
        out = pulumi.Output.from_input(value)
        secret = _sync_await(out.is_secret())
        resolved[key] = SECRET if secret else _sync_await(out.future())
    return resolved


def upstream_placeholders(upstream: Upstream) -> dict[str, dict[str, Any]]:
    """Stand-in outputs of the VPN stacks an NS plan reads, for an offline run."""
    outputs: dict[str, dict[str, Any]] = {}
    for ref in upstream.vpn:
        outputs[ref.stack] = {
            "next_hops": {s: later(f"VPN next hop at {s}, stack {ref.stack}") for s in ref.sites},
            "router_ids": {s: later(f"router at {s}, stack {ref.stack}") for s in ref.sites},
        }
    return outputs


_KEY_INPUTS = (
    "name", "cidr", "vcpus", "ram", "disk", "isPublic", "imageId", "imageName", "flavorId",
    "flavorName", "networkId", "subnetId", "securityGroupIds", "pool", "portId", "floatingIp",
    "routerId", "destinationCidr", "nextHop", "remoteIpPrefix", "remoteGroupId", "direction",
    "protocol", "portRangeMin", "portRangeMax", "chart", "namespace", "apiVersion", "kind",
    "cloud", "context", "stackName",
)  # fmt: skip


def key_inputs(resource: PlannedResource) -> dict[str, Any]:
    """The inputs a cloud engineer reads in a plan (bulky ones summarised)."""
    inputs = resource.inputs
    shown: dict[str, Any] = {k: inputs[k] for k in _KEY_INPUTS if k in inputs}
    metadata = inputs.get("metadata")
    if isinstance(metadata, dict) and "name" in metadata:
        shown["metadata"] = {k: metadata[k] for k in ("name", "namespace") if k in metadata}
    if isinstance(inputs.get("networks"), list):
        shown["ports"] = [n.get("port") for n in inputs["networks"] if isinstance(n, dict)]
    if isinstance(inputs.get("userData"), str):
        shown["userData"] = f"{len(inputs['userData'].splitlines())} lines of cloud-init"
    values = inputs.get("values")
    if isinstance(values, dict):
        shown["values"] = {
            k: values[k] for k in ("replicaCount", "podAnnotations", "networks") if k in values
        }
    spec = inputs.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("config"), str):
        try:
            shown["cni"] = json.loads(spec["config"])
        except ValueError:
            shown["cni"] = spec["config"]
    return shown

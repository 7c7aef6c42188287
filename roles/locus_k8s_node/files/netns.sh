#!/bin/bash
# netns.sh up NETNS HOST_VETH HOST_ADDRESS NODE_ADDRESS PREFIX
# netns.sh down NETNS HOST_VETH
# Create (or remove) a network namespace joined to the host by a veth pair: HOST_VETH on the
# host with HOST_ADDRESS, "uplink0" in the namespace with NODE_ADDRESS and a default route via
# the host. Idempotent; prints "changed" when it changed anything.
set -euo pipefail
action="$1" netns="$2" veth="$3"
changed=0
ns() { ip netns exec "$netns" "$@"; }

case "$action" in
up)
    host_address="$4" node_address="$5" prefix="$6"
    if [ ! -e "/run/netns/$netns" ]; then ip netns add "$netns"; changed=1; fi
    if ! ip link show "$veth" >/dev/null 2>&1; then
        ip link add "$veth" type veth peer name uplink0 netns "$netns"
        changed=1
    fi
    if ! ip -o addr show dev "$veth" | grep -F " $host_address/$prefix " >/dev/null; then
        ip addr add "$host_address/$prefix" dev "$veth"; changed=1
    fi
    if ! ns ip -o addr show dev uplink0 | grep -F " $node_address/$prefix " >/dev/null; then
        ns ip addr add "$node_address/$prefix" dev uplink0; changed=1
    fi
    ip link set "$veth" up
    ns ip link set lo up
    ns ip link set uplink0 up
    if ! ns ip route show default | grep -F "via $host_address" >/dev/null; then
        ns ip route replace default via "$host_address" dev uplink0; changed=1
    fi
    ;;
down)
    if ip link show "$veth" >/dev/null 2>&1; then ip link del "$veth"; changed=1; fi
    if [ -e "/run/netns/$netns" ]; then ip netns del "$netns"; changed=1; fi
    ;;
*)
    echo "usage: netns.sh up|down NETNS HOST_VETH ..." >&2; exit 2 ;;
esac
[ "$changed" = 0 ] || echo changed

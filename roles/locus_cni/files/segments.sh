#!/bin/bash
# segments.sh NETNS MASTER PROBE_ADDRESS
# Ensure a VNF segment in network namespace NETNS ("" for the host's): a veth pair MASTER /
# MASTER"p" (both up; MASTER is the macvlan master interface the NADs name) and a macvlan
# "<MASTER>pr" in bridge mode on it with PROBE_ADDRESS (CIDR). Prints "changed" on change.
set -euo pipefail
netns="$1" master="$2" probe_address="$3"
probe="${master:0:12}pr" peer="${master:0:14}p"
run() { if [ -n "$netns" ]; then ip netns exec "$netns" "$@"; else "$@"; fi; }
changed=0
if [ -n "$netns" ] && [ ! -e "/run/netns/$netns" ]; then ip netns add "$netns"; changed=1; fi
if ! run ip link show "$master" >/dev/null 2>&1; then
    run ip link add "$master" type veth peer name "$peer"; changed=1
fi
run ip link set "$master" up
run ip link set "$peer" up
if ! run ip link show "$probe" >/dev/null 2>&1; then
    run ip link add "$probe" link "$master" type macvlan mode bridge; changed=1
fi
if ! run ip -o addr show dev "$probe" | grep -F " $probe_address " >/dev/null; then
    run ip addr add "$probe_address" dev "$probe"; changed=1
fi
run ip link set "$probe" up
[ "$changed" = 0 ] || echo changed

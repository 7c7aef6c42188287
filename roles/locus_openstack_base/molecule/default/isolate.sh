#!/bin/bash
# isolate.sh COMMAND...: run COMMAND (scripts/molecule: `molecule test`) in a mount and a
# network namespace of its own, so that the OpenStack roles converge a second, complete
# OpenStack beside the local testbed's without touching it:
#   - network: only a loopback, so the standard ports (3306, 5672, 5000, 9292, 8778, 8774,
#     9696...), the provider/tunnel veths, the agents' bridges, router namespaces and iptables
#     rules are the scenario's own;
#   - files: the host paths the roles and the services write outside their state folders
#     (/etc/<service>, /var/lib/<service>, /run/mysqld, /run/netns) are bind mounts of folders
#     under ROOT: the /etc folders start as copies of the packages' files without the files the
#     roles write or generate, the /var/lib and /run folders as empty skeletons with the same
#     owners. The mounts exist only in the namespace and go with it.
# The scenario's state folder is ROOT/state (molecule.yml): the services' users must traverse
# it, so ROOT is not under root's home. After COMMAND, any process still in the namespace is
# killed. ROOT (default /var/lib/locus-molecule-openstack) is removed when COMMAND succeeded,
# kept otherwise for its logs.
set -euo pipefail
services=(keystone glance placement nova neutron)
# Files the roles write (templates) or generate (keys): the scenario must create them itself.
written=(keystone/keystone.conf keystone/fernet-keys keystone/credential-keys glance/glance-api.conf
         placement/placement.conf nova/nova.conf neutron/neutron.conf neutron/plugins/ml2/ml2_conf.ini
         neutron/plugins/ml2/linuxbridge_agent.ini neutron/l3_agent.ini)

if [ "${1:-}" != --inside ]; then
    root=/var/lib/locus-molecule-openstack
    exec unshare --mount --net --propagation private -- "$0" --inside "$root" "$@"
fi
root="$2"
shift 2

skeleton() {  # skeleton SRC DEST: DEST gets SRC's folders (not files), owners and modes
    local src="$1" dest="$2" sub
    while IFS= read -r -d '' sub; do
        mkdir -p "$dest/$sub"
        chown --reference="$src/$sub" "$dest/$sub"
        chmod --reference="$src/$sub" "$dest/$sub"
    done < <(cd "$src" && find . -type d -print0)
}

rm -rf "$root"
mkdir -p -m 0755 "$root"
ip link set lo up
for service in "${services[@]}"; do
    mkdir -p "$root/etc/$service"
    cp -a "/etc/$service/." "$root/etc/$service/"
    mount --bind "$root/etc/$service" "/etc/$service"
    skeleton "/var/lib/$service" "$root/var/lib/$service"
    mount --bind "$root/var/lib/$service" "/var/lib/$service"
done
for path in "${written[@]}"; do rm -rf "/etc/$path"; done
skeleton /var/lib/rabbitmq "$root/var/lib/rabbitmq"
mount --bind "$root/var/lib/rabbitmq" /var/lib/rabbitmq
skeleton /run/mysqld "$root/run/mysqld"
mount --bind "$root/run/mysqld" /run/mysqld
mkdir -p "$root/run/netns"
mount --bind "$root/run/netns" /run/netns

# Whatever a failed or interrupted step left running lives in this network namespace: kill it
# (also when COMMAND is interrupted: a timeout's TERM must not orphan the scenario's OpenStack).
kill_left() {
    local own_net proc pid left=()
    own_net="$(readlink /proc/self/ns/net)"
    for proc in /proc/[0-9]*; do
        pid="${proc#/proc/}"
        [ "$pid" = $$ ] && continue
        [ "$(readlink "$proc/ns/net" 2>/dev/null)" = "$own_net" ] || continue
        left+=("$pid")
    done
    if [ "${#left[@]}" -gt 0 ]; then
        echo "isolate.sh: killing processes left in the scenario's namespace: ${left[*]}" >&2
        kill -KILL "${left[@]}" 2>/dev/null || true
    fi
}
trap kill_left EXIT
trap 'exit 143' TERM INT

status=0
"$@" || status=$?
[ "$status" != 0 ] || rm -rf "$root"
exit "$status"

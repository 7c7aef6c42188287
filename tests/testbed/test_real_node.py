"""The testbed's REAL worker node (``locus testbed up --with-node``, ``playbooks/local-node.yml``).

containerd and a kubelet built from the control plane's release run in the network namespace
``locus-node``; Multus delegates to a bridge primary network and adds macvlan interfaces (IPAM
by whereabouts) on the namespace's ``eth0``, where a probe interface of the node namespace sits
on the same segment. Checked for real: the node is Ready; a pod's logs and a command run in it
(``kubectl logs``/``exec``) reach the kubelet through the API server; a pod gets a Multus
macvlan ``net1`` (seen from inside the pod's network namespace) that answers over it; the
exemplary edge NS instantiated through the NBI runs real pods whose ``net1``/``net2`` are
macvlan on their NADs' subnets, and its KNF answers its JSON over the ``user`` network.

When the node is not up but its tools are built (``locus testbed tools --with-node``) and the
tests run as root on an up testbed, this module brings the node up for its own tests and takes
it down after them: while it is up the scheduler prefers it, and other tests' charts whose
images it has not imported would wait for pulls that cannot succeed. Skipped otherwise.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from kubernetes import client, config
from kubernetes.stream import stream

from testbed.helpers import TESTBED_DIR, TOOLS_DIR, Nbi, wait_for

pytestmark = pytest.mark.testbed

NODE = "locus-node-0"  # inventories/local: locus_k8s_node_name
NETNS = "locus-node"  # locus_k8s_node_netns
NODE_ADDRESS = "10.213.0.2"  # locus_k8s_node_address
SOCKET = TESTBED_DIR / "node" / "containerd" / "containerd.sock"
IMAGE = "locus.local/debian-python:3.11"  # locus_k8s_node_images
NADS = "/apis/k8s.cni.cncf.io/v1/namespaces/{namespace}/network-attachment-definitions"
NETWORK_STATUS = "k8s.v1.cni.cncf.io/network-status"


REPO = Path(__file__).resolve().parents[2]


def _node_is_up() -> bool:
    return Path("/run/netns", NETNS).exists() and SOCKET.exists()


def _node_playbook(name: str) -> None:
    ansible = Path(sys.executable).parent / "ansible-playbook"
    argv = [str(ansible), "-i", str(REPO / "inventories" / "local"), str(REPO / "playbooks" / name)]
    env = {**os.environ, "ANSIBLE_ROLES_PATH": str(REPO / "roles")}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=1800, check=False)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"


def _api_server_listens() -> bool:
    record = TESTBED_DIR / "site.yaml"
    if not record.exists():
        return False
    address = urlsplit(yaml.safe_load(record.read_text())["api_server"])
    try:
        socket.create_connection((address.hostname, address.port), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module", autouse=True)
def node_for_this_module() -> Iterator[None]:
    """Brings the node up for this module when it can and is not up already (see above)."""
    can_start = (
        os.geteuid() == 0 and (TOOLS_DIR / "bin" / "kubelet").exists() and _api_server_listens()
    )
    if _node_is_up() or not can_start:
        yield
        return
    _node_playbook("local-node.yml")
    try:
        yield
    finally:
        _node_playbook("local-node-down.yml")


def _node_ready(kube: httpx.Client) -> dict[str, Any] | None:
    got = kube.get(f"/api/v1/nodes/{NODE}")
    if got.status_code != 200:
        return None
    node: dict[str, Any] = got.json()
    ready = [c for c in node["status"].get("conditions", []) if c["type"] == "Ready"]
    return node if ready and ready[0]["status"] == "True" else None


@pytest.fixture
def node(kube: httpx.Client) -> dict[str, Any]:
    """The real node's Node object (skips unless the node is up and Ready)."""
    if not _node_is_up():
        pytest.skip("the testbed's real node is not up: run 'locus testbed up --with-node'")
    found = _node_ready(kube)
    if found is None:
        pytest.skip(f"node {NODE} is not Ready: run 'locus testbed up --with-node'")
    return found


def _run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{' '.join(argv)}: {done.stderr}"
    return done.stdout


def _pod_pid(pod: dict[str, Any]) -> int:
    """The host pid of the pod's first container (its network namespace is the pod's)."""
    container = pod["status"]["containerStatuses"][0]["containerID"].removeprefix("containerd://")
    ctr = ["ctr", "--address", str(SOCKET), "--namespace", "k8s.io"]
    for line in _run(*ctr, "tasks", "ls").splitlines()[1:]:
        task, pid, _status = line.split()
        if task == container:
            return int(pid)
    raise AssertionError(f"no task of container {container} in the node's containerd")


def _interface_in_pod(pod: dict[str, Any], name: str) -> tuple[str, ipaddress.IPv4Interface]:
    """(link kind, IPv4 address) of interface ``name``, read inside the pod's network ns."""
    enter = ["nsenter", "-t", str(_pod_pid(pod)), "-n"]
    link = json.loads(_run(*enter, "ip", "-d", "-j", "link", "show", name))[0]
    addr = json.loads(_run(*enter, "ip", "-4", "-j", "addr", "show", name))[0]["addr_info"][0]
    return link["linkinfo"]["info_kind"], ipaddress.IPv4Interface(
        f"{addr['local']}/{addr['prefixlen']}"
    )


def _get_from_node_namespace(url: str) -> str:
    """GET ``url`` from the node's network namespace (its probe interfaces are on the VNF
    segments, as a client on those networks would be)."""
    code = (
        "import sys, urllib.request;"
        "print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())"
    )
    return _run("ip", "netns", "exec", NETNS, sys.executable, "-c", code, url)


def _network_status(pod: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Multus's network-status annotation, by network name."""
    annotation = pod["metadata"].get("annotations", {}).get(NETWORK_STATUS, "[]")
    return {entry["name"]: entry for entry in json.loads(annotation)}


def _ready(pod: dict[str, Any]) -> bool:
    conditions = pod.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _ready_pod(kube: httpx.Client, namespace: str, name: str) -> dict[str, Any] | None:
    pod: dict[str, Any] = kube.get(f"/api/v1/namespaces/{namespace}/pods/{name}").json()
    return pod if _ready(pod) else None


def test_node_is_ready_and_preferred(node: dict[str, Any], kube: httpx.Client) -> None:
    info = node["status"]["nodeInfo"]
    assert info["kubeletVersion"] == kube.get("/version").json()["gitVersion"]
    assert info["containerRuntimeVersion"].startswith("containerd://")
    assert {"type": "InternalIP", "address": NODE_ADDRESS} in node["status"]["addresses"]
    assert node["metadata"]["labels"]["locus.io/node"] == "real"
    kwok = kube.get("/api/v1/nodes", params={"labelSelector": "type=kwok"}).json()["items"]
    assert kwok, "the testbed has KWOK nodes beside the real one"
    for simulated in kwok:  # the scheduler prefers the real node while it is up
        taints = simulated["spec"].get("taints", [])
        assert {"key": "locus.io/simulated", "value": "true", "effect": "PreferNoSchedule"} in (
            taints
        )


def test_pod_gets_a_multus_macvlan_interface(node: dict[str, Any], kube: httpx.Client) -> None:
    name = f"macvlan-{uuid.uuid4().hex[:8]}"
    first, last = "192.168.201.10", "192.168.201.20"
    config = {
        "cniVersion": "0.3.1",
        "name": name,
        "type": "macvlan",
        "master": "eth0",
        "mode": "bridge",
        "ipam": {
            "type": "whereabouts",
            "range": "192.168.128.0/17",
            "range_start": first,
            "range_end": last,
        },
    }
    nads = NADS.format(namespace="default")
    nad: dict[str, Any] = {
        "apiVersion": "k8s.cni.cncf.io/v1",
        "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": name},
        "spec": {"config": json.dumps(config)},
    }
    assert kube.post(nads, json=nad).status_code == 201
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "annotations": {"k8s.v1.cni.cncf.io/networks": name}},
        "spec": {
            "nodeSelector": {"kubernetes.io/hostname": NODE},
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "web",
                    "image": IMAGE,
                    "imagePullPolicy": "Never",
                    "command": ["python3", "-m", "http.server", "8080"],
                    "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1},
                    "resources": {"limits": {"cpu": "200m", "memory": "64Mi"}},
                }
            ],
        },
    }
    try:
        assert kube.post("/api/v1/namespaces/default/pods", json=pod).status_code == 201
        running = wait_for(f"pod {name} to be Ready", lambda: _ready_pod(kube, "default", name))
        assert running["spec"]["nodeName"] == NODE
        status = _network_status(running)[f"default/{name}"]
        assert status["interface"] == "net1"
        kind, address = _interface_in_pod(running, "net1")
        assert kind == "macvlan"
        low, high = ipaddress.IPv4Address(first), ipaddress.IPv4Address(last)
        assert low <= address.ip <= high
        assert status["ips"] == [str(address.ip)]
        page = _get_from_node_namespace(f"http://{address.ip}:8080/")
        assert "Directory listing" in page
    finally:
        kube.delete(f"/api/v1/namespaces/default/pods/{name}")
        wait_for(
            f"pod {name} to be gone",
            lambda: kube.get(f"/api/v1/namespaces/default/pods/{name}").status_code == 404,
        )
        kube.delete(f"{nads}/{name}")


def test_logs_and_exec_reach_the_kubelet_through_the_api_server(
    node: dict[str, Any], kube: httpx.Client, site: dict[str, Any]
) -> None:
    """`kubectl logs` and `kubectl exec` of a pod on the real node: the API server reaches the
    kubelet at the node's InternalIP, checks its CA-issued serving certificate and
    authenticates with its kubelet client certificate (whose user the node role binds)."""
    name = f"logs-exec-{uuid.uuid4().hex[:8]}"
    marker = f"locus-log-line-{uuid.uuid4().hex[:8]}"
    script = f"import time; print({marker!r}, flush=True); time.sleep(3600)"
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "nodeSelector": {"kubernetes.io/hostname": NODE},
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "main",
                    "image": IMAGE,
                    "imagePullPolicy": "Never",
                    "command": ["python3", "-c", script],
                    "resources": {"limits": {"cpu": "100m", "memory": "32Mi"}},
                }
            ],
        },
    }
    pods = "/api/v1/namespaces/default/pods"
    try:
        assert kube.post(pods, json=pod).status_code == 201
        wait_for(f"pod {name} to be Ready", lambda: _ready_pod(kube, "default", name))

        def log_text() -> str:
            got = kube.get(f"{pods}/{name}/log")
            assert got.status_code == 200, got.text  # e.g. 502 when the kubelet is out of reach
            return got.text

        logs = wait_for(f"pod {name}'s log line", log_text)
        assert logs.splitlines() == [marker]
        core = client.CoreV1Api(config.new_client_from_config(config_file=str(site["kubeconfig"])))
        out = stream(
            core.connect_get_namespaced_pod_exec,
            name,
            "default",
            command=["python3", "-c", "import os; print('exec', os.getpid() > 1, 6 * 7)"],
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
        )
        assert out.strip() == "exec True 42"
    finally:
        kube.delete(f"{pods}/{name}")
        wait_for(f"pod {name} to be gone", lambda: kube.get(f"{pods}/{name}").status_code == 404)


def _wait_op(nbi: Nbi, op: str, timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = nbi.client.get(
            f"/nslcm/v1/ns_lcm_op_occs/{op}", headers=nbi.auth
        ).json()
        if body["operationState"] not in ("PROCESSING", "ROLLING_BACK"):
            return body
        assert time.monotonic() < deadline, f"{op} still {body['operationState']}"
        time.sleep(1)


def _nad_ranges(kube: httpx.Client, namespace: str) -> dict[str, tuple[Any, Any]]:
    """NAD name -> (first, last) address its whereabouts IPAM hands out."""
    ranges = {}
    for item in kube.get(NADS.format(namespace=namespace)).json()["items"]:
        ipam = json.loads(item["spec"]["config"])["ipam"]
        network = ipaddress.IPv4Network(ipam["range"])
        first = ipaddress.IPv4Address(ipam.get("range_start", network[1]))
        last = ipaddress.IPv4Address(ipam.get("range_end", network[-2]))
        ranges[item["metadata"]["name"]] = (first, last)
    return ranges


def _knf_pods(kube: httpx.Client, namespace: str) -> list[dict[str, Any]] | None:
    pods: list[dict[str, Any]] = kube.get(f"/api/v1/namespaces/{namespace}/pods").json()["items"]
    return pods if pods and all(_ready(p) for p in pods) else None


def test_edge_ns_runs_real_pods_that_answer_over_user(
    node: dict[str, Any], nbi: Nbi, kube: httpx.Client
) -> None:
    nbi.onboard("edge_knf", "edge_ns")
    created = nbi.client.post(
        "/nslcm/v1/ns_instances_content",
        json={"nsdId": "edge_ns", "nsName": "edge-real", "vimAccountId": "local"},
        headers=nbi.auth,
    )
    assert created.status_code == 202, created.text
    ns = created.json()["id"]
    try:
        done = _wait_op(nbi, created.json()["nsLcmOpOccId"])
        assert done["operationState"] == "COMPLETED", done["error"]
        found = kube.get(
            "/api/v1/namespaces", params={"labelSelector": f"locus/ns-instance={ns}"}
        ).json()["items"]
        assert len(found) == 1, [n["metadata"]["name"] for n in found]
        namespace = found[0]["metadata"]["name"]
        pods = wait_for("the KNF's pods to be Ready", lambda: _knf_pods(kube, namespace))
        ranges = _nad_ranges(kube, namespace)
        for pod in pods:
            assert pod["spec"]["nodeName"] == NODE  # a real pod, not a KWOK one
            attached = {
                name.split("/", 1)[1]: status
                for name, status in _network_status(pod).items()
                if not status.get("default")
            }
            # the chart's Multus annotation: the user and cache links of the service
            assert sorted(status["interface"] for status in attached.values()) == ["net1", "net2"]
            assert {nad.rsplit("-", 2)[-2] for nad in attached} == {"user", "cache"}, attached
            user_ip = None
            for nad, status in attached.items():
                first, last = ranges[nad]
                kind, address = _interface_in_pod(pod, status["interface"])
                assert kind == "macvlan"
                assert first <= address.ip <= last, (nad, address, first, last)
                assert status["ips"] == [str(address.ip)]
                if nad.endswith("-user-net"):
                    user_ip = address.ip
            assert user_ip is not None
            answer = json.loads(_get_from_node_namespace(f"http://{user_ip}:8080/"))
            assert isinstance(answer, list) and len(answer) == 5, answer
            assert all(isinstance(n, int) and 0 <= n <= 100 for n in answer), answer
        terminated = nbi.client.post(
            f"/nslcm/v1/ns_instances/{ns}/terminate", json={}, headers=nbi.auth
        )
        assert terminated.status_code == 202, terminated.text
        end = _wait_op(nbi, terminated.json()["nsLcmOpOccId"])
        assert end["operationState"] == "COMPLETED", end["error"]
    finally:  # whatever failed, leave nothing on the testbed
        for item in kube.get(
            "/api/v1/namespaces", params={"labelSelector": f"locus/ns-instance={ns}"}
        ).json()["items"]:
            kube.delete(f"/api/v1/namespaces/{item['metadata']['name']}")

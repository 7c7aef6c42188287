"""The unmodified ``osm`` command against ``locus serve`` (issue 15): exit 0, the expected
text, no traceback. Objects are found by name as OSM users do (osmclient lists and filters).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

Osm = Callable[..., str]  # the ``osm`` fixture: ``osm ARGS`` -> its output

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _created_id(output: str) -> str:
    """The id ``osm ...-create`` prints on its last line."""
    found = re.findall(UUID, output)
    assert found, output
    return found[-1]


def _row(table: str, value: str, column: int = 0) -> list[str]:
    """The cells of the first table row whose cell ``column`` is ``value``."""
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > column and cells[column] == value:
            return cells
    raise AssertionError(f"no row with {value!r} in column {column} in:\n{table}")


def test_version(osm: Osm) -> None:
    out = osm("version")
    assert re.search(r"Server version: \d+\.\d+\S* \d{4}-\d{2}-\d{2}", out), out
    assert "Client version:" in out


def test_vnf_package_create_list_show_delete_by_name(osm: Osm, archives: dict[str, Path]) -> None:
    package_id = _created_id(osm("vnfpkg-create", str(archives["cloud_vnf"])))
    listed = osm("vnfpkg-list")
    assert _row(listed, "cloud_vnf")[1:] == [package_id, "sol006"]
    long = _row(osm("vnfpkg-list", "--long"), "cloud_vnf")
    assert long[5:8] == ["ONBOARDED", "ENABLED", "NOT_IN_USE"]
    shown = osm("vnfpkg-show", "cloud_vnf", "--literal")
    assert f"_id: {package_id}" in shown
    assert "product-name: cloud_vnf" in shown
    assert "Deleted" in osm("vnfpkg-delete", "cloud_vnf")
    assert "cloud_vnf" not in osm("vnfpkg-list")


def test_ns_package_and_netslice_template(osm: Osm, archives: dict[str, Path]) -> None:
    knf = _created_id(osm("vnfpkg-create", str(archives["edge_knf"])))
    assert _row(osm("vnfpkg-list"), "edge_knf")[1] == knf
    nsd = _created_id(osm("nspkg-create", str(archives["edge_ns"])))
    assert _row(osm("nspkg-list"), "edge_ns")[1] == nsd
    assert _row(osm("nspkg-list", "--long"), "edge_ns")[2:5] == [
        "ONBOARDED",
        "ENABLED",
        "NOT_IN_USE",
    ]
    shown = osm("nspkg-show", "edge_ns", "--literal")
    assert f"_id: {nsd}" in shown
    assert "name: edge_ns" in shown
    nst = _created_id(osm("netslice-template-create", str(archives["edge_nst"])))
    assert _row(osm("netslice-template-list"), "edge_nst")[1] == nst
    assert f"_id: {nst}" in osm("netslice-template-show", "edge_nst", "--literal")
    # in use by the NST: refused (exit 1) until the NST is gone; then by name
    assert "Deleted" in osm("netslice-template-delete", "edge_nst")
    assert "Deleted" in osm("nspkg-delete", "edge_ns")
    assert "Deleted" in osm("vnfpkg-delete", "edge_knf")
    assert "edge_ns" not in osm("nspkg-list")


KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster: {server: "https://127.0.0.1:6443"}
contexts:
- name: edge
  context: {cluster: edge, user: edge}
current-context: edge
users:
- name: edge
  user: {token: not-a-real-token}
"""


def _vim_create(osm: Osm, name: str) -> str:
    return _created_id(
        osm(
            "vim-create",
            "--name",
            name,
            "--account_type",
            "openstack",
            "--auth_url",
            "http://127.0.0.1:9/v3",
            "--user",
            "demo",
            "--password",
            "demo-secret",
            "--tenant",
            "demo",
            "--description",
            "OSM client test",
        )
    )


def test_vim_account_create_list_show_delete(osm: Osm) -> None:
    vim = _vim_create(osm, "osm-core")
    assert _row(osm("vim-list"), "osm-core")[1:] == [vim, "ENABLED"]
    shown = osm("vim-show", "osm-core", "--literal")
    assert f"_id: {vim}" in shown
    assert "demo-secret" not in shown  # never returned
    assert "Deleted" in osm("vim-delete", "osm-core")
    assert "osm-core" not in osm("vim-list")


def test_k8s_cluster_add_list_show_delete(osm: Osm, tmp_path: Path) -> None:
    vim = _vim_create(osm, "osm-k8s-vim")
    creds = tmp_path / "kubeconfig.yaml"
    creds.write_text(KUBECONFIG)
    cluster = _created_id(
        osm(
            "k8scluster-add",
            "--creds",
            str(creds),
            "--version",
            "1.29",
            "--vim",
            "osm-k8s-vim",
            "--k8s-nets",
            "{net1: null}",
            "--description",
            "edge cluster",
            "osm-edge",
        )
    )
    assert _row(osm("k8scluster-list"), "osm-edge")[1:4] == [cluster, "osm-k8s-vim", "ENABLED"]
    shown = osm("k8scluster-show", "osm-edge", "--literal")
    assert f"vim_account: {vim}" in shown
    assert "net1: null" in shown
    assert "not-a-real-token" not in shown  # the kubeconfig is a secret
    assert "Deleted" in osm("k8scluster-delete", "osm-edge")
    assert "Deleted" in osm("vim-delete", "osm-k8s-vim")


def test_ns_create_by_nsd_name_and_its_records(osm: Osm, archives: dict[str, Path]) -> None:
    """The create call is accepted and the records render; without a cloud the instantiate
    fails, and the failure is shown where OSM users look (the testbed test deploys it)."""
    osm("vnfpkg-create", str(archives["cloud_vnf"]))
    osm("nspkg-create", str(archives["cloud_ns"]))
    _vim_create(osm, "osm-ns-vim")
    ns = _created_id(
        osm(
            "ns-create",
            "--ns_name",
            "osm-ns",
            "--nsd_name",
            "cloud_ns",
            "--vim_account",
            "osm-ns-vim",
        )
    )
    row = _row(osm("ns-list"), "osm-ns")
    assert row[1] == ns
    assert row[3] == "NOT_INSTANTIATED"
    shown = osm("ns-show", "osm-ns", "--literal")
    assert f"_id: {ns}" in shown
    assert "nsdId: cloud_ns" in shown
    op = _row(osm("ns-op-list", "osm-ns"), "instantiate", column=1)
    assert re.fullmatch(UUID, op[0]), op
    assert op[2] == "N/A"
    assert op[3] in ("PROCESSING", "FAILED_TEMP", "COMPLETED")
    detail = osm("ns-op-show", op[0], "--literal")
    assert "lcmOperationType: instantiate" in detail
    assert f"nsInstanceId: {ns}" in detail
    assert re.search(r"startTime: \d+\.\d+", detail), detail


def _until(osm: Osm, args: tuple[str, ...], done: Callable[[str], bool]) -> str:
    """``osm ARGS`` until ``done(output)`` (the operations run in the background)."""
    deadline = time.monotonic() + 180
    while True:
        out = osm(*args)
        if done(out):
            return out
        assert time.monotonic() < deadline, f"{args} never got there:\n{out}"
        time.sleep(1)


def _ns_state(name: str, state: str) -> Callable[[str], bool]:
    return lambda table: _row(table, name)[3] == state


def _op_state(op_id: str, state: str) -> Callable[[str], bool]:
    return lambda table: _row(table, op_id)[3] == state


def test_ns_lifecycle_action_and_delete(lifecycle_osm: Osm, archives: dict[str, Path]) -> None:
    """A whole NS lifecycle as OSM users drive it; the operations are carried out by the
    file-controlled test runner (the testbed tests run the real engine)."""
    osm = lifecycle_osm
    osm("vnfpkg-create", str(archives["cloud_vnf"]))
    osm("nspkg-create", str(archives["cloud_ns"]))
    _vim_create(osm, "osm-life-vim")
    ns = _created_id(
        osm(
            *("ns-create", "--ns_name", "osm-life", "--nsd_name", "cloud_ns"),
            *("--vim_account", "osm-life-vim"),
        )
    )
    listed = _until(osm, ("ns-list",), _ns_state("osm-life", "INSTANTIATED"))
    assert _row(listed, "osm-life")[1] == ns
    assert "operational-status: running" in osm("ns-show", "osm-life", "--literal")
    action = osm(
        *("ns-action", "--vnf_name", "1", "--action_name", "health-check"),
        *("--timeout", "120", "osm-life"),
    )
    action_id = _created_id(action)
    ops = _until(osm, ("ns-op-list", "osm-life"), _op_state(action_id, "COMPLETED"))
    assert _row(ops, action_id)[1:3] == ["action", "health-check"]
    assert _row(ops, "instantiate", column=1)[3] == "COMPLETED"
    long = osm("ns-op-list", "osm-life", "--long")  # operationParams as OSM writes them
    assert _row(long, action_id)[1:3] == ["action", "health-check"]
    assert _row(long, "instantiate", column=1)[4] == "COMPLETED"
    assert '"timeout": 120' in long
    shown = osm("ns-op-show", action_id, "--literal")
    assert "lcmOperationType: action" in shown
    assert "primitive: health-check" in shown
    # one call: terminate, then the LCM removes the instance (OSM's autoremove)
    assert "Deletion in progress" in osm("ns-delete", "osm-life")
    _until(osm, ("ns-list",), lambda table: "osm-life" not in table)


CLOUD_NST = """\
nst:
  - id: cloud_nst
    name: cloud_nst
    SNSSAI-identifier:
      slice-service-type: eMBB
    netslice-subnet:
      - id: core
        is-shared-nss: false
        nsd-ref: cloud_ns
    netslice-vld:
      - id: mgmt_net
        name: mgmt_net
        type: ELAN
        mgmt-network: true
        nss-connection-point-ref:
          - nss-ref: core
            nsd-connection-point-ref: cp_mgmt
"""


def _nsi_state(name: str, state: str) -> Callable[[str], bool]:
    return lambda table: _row(table, name)[4] == state


def test_netslice_instance_lifecycle(
    lifecycle_osm: Osm, archives: dict[str, Path], tmp_path: Path
) -> None:
    """A netslice of one cloud NS (OSM's client can only name a VIM account, and the exemplary
    NSTs hold KNFs, which need a Kubernetes site). ``netslice-instance-delete`` itself is
    broken in this osmclient (its handler wants a ``--wait`` the command does not declare):
    its alias ``nsi-delete`` is used."""
    osm = lifecycle_osm
    osm("vnfpkg-create", str(archives["cloud_vnf"]))
    osm("nspkg-create", str(archives["cloud_ns"]))
    (tmp_path / "cloud_nst.yaml").write_text(CLOUD_NST)
    osm("netslice-template-create", str(tmp_path / "cloud_nst.yaml"))
    _vim_create(osm, "osm-slice-vim")
    nsi = _created_id(
        osm(
            *("netslice-instance-create", "--nsi_name", "slice-a", "--nst_name", "cloud_nst"),
            *("--vim_account", "osm-slice-vim"),
        )
    )
    listed = _until(osm, ("netslice-instance-list",), _nsi_state("slice-a", "INSTANTIATED"))
    assert _row(listed, "slice-a")[1:3] == [nsi, "running"]
    assert f"_id: {nsi}" in osm("netslice-instance-show", "slice-a", "--literal")
    assert _row(osm("ns-list"), "slice-a.core")[3] == "INSTANTIATED"
    ops = osm("netslice-instance-op-list", "slice-a")
    assert _row(ops, "INSTANTIATE", column=1)[2] == "COMPLETED"
    # one call: terminate, then the LCM removes the netslice and its nested NS (autoremove)
    assert "Deletion in progress" in osm("nsi-delete", "slice-a")
    _until(osm, ("netslice-instance-list",), lambda table: "slice-a" not in table)
    assert "slice-a.core" not in osm("ns-list")

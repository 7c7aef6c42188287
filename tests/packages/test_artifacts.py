"""Files a descriptor names must be in its package (module docstring of artifacts.py)."""

from __future__ import annotations

import pytest

from locus_iac.errors import ValidationError
from locus_iac.packages import day12_playbooks, inspect_package, read_package

from .archives import MINIMAL_VNFD, package_tar

CHART = b"apiVersion: v2\nname: web\nversion: 0.1.0\n"
PLAY = b"- hosts: all\n  tasks: []\n"


def _with_cloud_init(name: str) -> bytes:
    return MINIMAL_VNFD.replace(
        b"      sw-image-desc: tiny-image\n",
        b"      sw-image-desc: tiny-image\n      cloud-init-file: " + name.encode() + b"\n",
    )


def _knf(chart: str) -> bytes:
    return f"""vnfd:
  id: tiny_knf
  product-name: tiny_knf
  provider: tests
  version: "1.0"
  mgmt-cp: mgmt-ext
  k8s-cluster:
    nets:
      - id: mgmt_net
  kdu:
    - name: web
      helm-chart: {chart}
  ext-cpd:
    - id: mgmt-ext
      k8s-cluster-net: mgmt_net
  df:
    - id: default-df
""".encode()


def _with_day12(env: str, extra_env: str = "") -> bytes:
    day12 = f"""      lcm-operations-configuration:
        operate-vnf-op-config:
          day1-2:
            - id: tiny_vnf
              execution-environment-list:
                - id: {env}
                  external-connection-point-ref: vnf-mgmt-ext
{extra_env}              initial-config-primitive:
                - seq: 1
                  name: configure
                  execution-environment-ref: {env}
              config-primitive:
                - name: restart
                  execution-environment-ref: {env}
                - name: reload
                  execution-environment-ref: {env}
                  execution-environment-primitive: restart
"""
    return MINIMAL_VNFD + day12.encode()


def _issues(files: dict[str, bytes]) -> list[tuple[str, str]]:
    return [(i.path, i.code) for i in inspect_package(package_tar(files)).issues]


def test_cloud_init_file_must_be_under_cloud_init() -> None:
    files = {"tiny.yaml": _with_cloud_init("init.cfg"), "init.cfg": b"#cloud-config\n"}
    assert _issues(files) == [("/vnfd/vdu/0/cloud-init-file", "missing-file")]
    files["cloud_init/init.cfg"] = b"#cloud-config\n"
    assert _issues(files) == []


def test_cloud_init_file_cannot_climb_out() -> None:
    files = {"tiny.yaml": _with_cloud_init("../tiny.yaml")}
    assert _issues(files) == [("/vnfd/vdu/0/cloud-init-file", "unsafe-path")]


@pytest.mark.parametrize("chart", ["bitnami/nginx", "stable/openldap:1.2.3", "oci://r.example/web"])
def test_repository_charts_are_not_looked_for(chart: str) -> None:
    assert _issues({"knf.yaml": _knf(chart)}) == []


def test_local_chart_must_be_in_helm_charts() -> None:
    assert _issues({"knf.yaml": _knf("web")}) == [("/vnfd/kdu/0/helm-chart", "missing-file")]


def test_local_chart_folder_needs_a_complete_chart_yaml() -> None:
    files = {"knf.yaml": _knf("web"), "helm-charts/web/values.yaml": b"a: 1\n"}
    assert _issues(files) == [("/vnfd/kdu/0/helm-chart", "invalid-helm-chart")]
    files["helm-charts/web/Chart.yaml"] = b"apiVersion: v2\nname: web\n"
    assert _issues(files) == [("/vnfd/kdu/0/helm-chart", "invalid-helm-chart")]
    files["helm-charts/web/Chart.yaml"] = CHART
    assert _issues(files) == []


def test_packed_local_chart_is_checked_inside() -> None:
    packed = package_tar({"Chart.yaml": CHART}, top="web")
    assert _issues({"knf.yaml": _knf("web-0.1.0.tgz"), "helm-charts/web-0.1.0.tgz": packed}) == []
    not_a_chart = package_tar({"README": b"x"}, top="web")
    assert _issues(
        {"knf.yaml": _knf("web-0.1.0.tgz"), "helm-charts/web-0.1.0.tgz": not_a_chart}
    ) == [("/vnfd/kdu/0/helm-chart", "invalid-helm-chart")]


def test_every_primitive_needs_its_playbook() -> None:
    files = {"tiny.yaml": _with_day12("cfg")}
    base = "/vnfd/df/0/lcm-operations-configuration/operate-vnf-op-config/day1-2/0"
    assert _issues(files) == [
        (f"{base}/initial-config-primitive/0", "missing-file"),
        (f"{base}/config-primitive/0", "missing-file"),
        (f"{base}/config-primitive/1", "missing-file"),
    ]
    files["ansible/cfg/configure.yml"] = PLAY
    # restart.yaml also serves "reload" (its execution-environment-primitive is "restart")
    files["ansible/cfg/restart.yaml"] = PLAY
    package = read_package(package_tar(files))
    refs = day12_playbooks(package.descriptor, package.files)
    assert [(r.stage, r.primitive, r.environment) for r in refs] == [
        ("day1", "configure", "cfg"),
        ("day2", "restart", "cfg"),
        ("day2", "restart", "cfg"),
    ]


def test_a_playbook_must_be_a_list_of_plays() -> None:
    files = {
        "tiny.yaml": _with_day12("cfg"),
        "ansible/cfg/configure.yml": b"hosts: all\n",
        "ansible/cfg/restart.yml": b"- [unclosed\n",
    }
    codes = [code for _, code in _issues(files)]
    assert codes == ["invalid-playbook", "invalid-playbook", "invalid-playbook"]


def test_osm_charm_present_in_the_package_needs_no_playbooks() -> None:
    charm = "                  juju:\n                    charm: tiny-charm\n"
    files = {"tiny.yaml": _with_day12("cfg", charm)}
    assert len(_issues(files)) == 3  # charm named but absent: our playbooks are required
    files["charms/tiny-charm/metadata.yaml"] = b"name: tiny-charm\n"
    assert _issues(files) == []


def test_missing_files_are_reported_together_with_checksum_problems() -> None:
    sums = b"0" * 32 + b"  tiny.yaml\n"
    files = {"tiny.yaml": _with_cloud_init("init.cfg"), "checksums.txt": sums}
    with pytest.raises(ValidationError) as caught:
        read_package(package_tar(files), strict=True)
    assert [(i.path, i.code) for i in caught.value.issues] == [
        ("/archive/pkg/tiny.yaml", "checksum-mismatch"),
        ("/vnfd/vdu/0/cloud-init-file", "missing-file"),
    ]
    lenient = inspect_package(package_tar(files))
    assert [(i.path, i.code) for i in lenient.issues] == [
        ("/vnfd/vdu/0/cloud-init-file", "missing-file")
    ]
    assert [(i.path, i.code) for i in lenient.warnings] == [
        ("/archive/pkg/tiny.yaml", "checksum-mismatch")
    ]

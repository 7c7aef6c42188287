"""Day-0 rendering: cloud-init and Helm values, strict about undefined variables."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from locus_iac.config import Day0Context, render_cloud_init, render_helm_values
from locus_iac.errors import ValidationError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/packages/cloud_vnf"

CTX = Day0Context(
    ns_instance_id="ns-1",
    vnf="cloud",
    params={"edge_port": 8080, "greeting": "hi"},
    management={"cloud": {"vdu-0": "169.254.9.2"}},
    ssh_public_keys=("ssh-ed25519 AAAA test",),
)

CLOUD_INIT = b"""#cloud-config
hostname: {{ ns_instance_id }}-{{ vdu }}-{{ index }}
ssh_authorized_keys:
{% for key in ssh_public_keys %}  - {{ key }}
{% endfor %}write_files:
  - path: /etc/edge
    content: "{{ greeting }}:{{ params.edge_port }}"
"""


def test_cloud_init_is_rendered_per_vdu_instance() -> None:
    text = render_cloud_init({"cloud_init/vdu.cfg": CLOUD_INIT}, "vdu.cfg", CTX, vdu="vdu", index=1)
    data = yaml.safe_load(text)
    assert data["hostname"] == "ns-1-vdu-1"
    assert data["ssh_authorized_keys"] == ["ssh-ed25519 AAAA test"]
    assert data["write_files"][0]["content"] == "hi:8080"


def test_an_undefined_variable_names_file_line_and_variable() -> None:
    template = b"#cloud-config\nruncmd:\n  - echo {{ edge_url }}\n"
    with pytest.raises(ValidationError) as caught:
        render_cloud_init({"cloud_init/vdu.cfg": template}, "vdu.cfg", CTX, vdu="v", index=0)
    issue = caught.value.issues[0]
    assert issue.path == "/cloud_init/vdu.cfg"
    assert issue.code == "undefined-variable"
    assert issue.message == "cloud_init/vdu.cfg line 3: variable 'edge_url' is undefined"


def test_syntax_errors_and_missing_files_are_validation_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        render_cloud_init({"cloud_init/a": b"{% if %}"}, "a", CTX, vdu="v", index=0)
    assert caught.value.issues[0].code == "bad-template"
    with pytest.raises(ValidationError, match="no cloud_init/b"):
        render_cloud_init({}, "b", CTX, vdu="v", index=0)


def test_the_sandbox_refuses_python_internals() -> None:
    with pytest.raises(ValidationError):
        render_cloud_init(
            {"cloud_init/x": b"{{ ''.__class__.__mro__ }}"}, "x", CTX, vdu="v", index=0
        )


def test_helm_values_use_management_addresses() -> None:
    template = "cloud:\n  endpoint: http://{{ management.cloud['vdu-0'] }}:{{ edge_port }}/\n"
    values = render_helm_values(template, CTX, source="values.yaml")
    assert values == {"cloud": {"endpoint": "http://169.254.9.2:8080/"}}
    with pytest.raises(ValidationError) as caught:
        render_helm_values("- {{ greeting }}\n", CTX, source="values.yaml")
    assert caught.value.issues[0].code == "bad-values"


def test_the_example_cloud_init_renders() -> None:
    files = {"cloud_init/cloud_vdu.cfg": (EXAMPLE / "cloud_init/cloud_vdu.cfg").read_bytes()}
    text = render_cloud_init(files, "cloud_vdu.cfg", CTX, vdu="cloud_vdu", index=0)
    assert text.startswith("#cloud-config")
    assert "locus-cloud-forwarder" in yaml.safe_load(text)["write_files"][0]["path"]

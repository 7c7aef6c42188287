"""Day0 rendering, WireGuard keys, and what the offline runner records."""

from __future__ import annotations

import pulumi
import pytest

from locus_iac.errors import ValidationError
from locus_iac.infra import PreviewMocks, generate_keypair, render_cloud_init, run_program
from locus_iac.infra.wireguard import keypair_from_private


def test_cloud_init_gets_parameters_and_instance_identity() -> None:
    text = render_cloud_init(
        "#cloud-config\nhostname: {{ vnf }}-{{ vdu }}-{{ index }}\nurl: {{ edge_url }}\n",
        {"edge_url": "http://192.168.128.10:8080/"},
        ns_instance_id="ns-1",
        vnf="cloud",
        vdu="cloud_vdu",
        index=2,
    )
    assert "hostname: cloud-cloud_vdu-2\n" in text
    assert "url: http://192.168.128.10:8080/\n" in text


def test_cloud_init_with_a_missing_parameter_names_it() -> None:
    with pytest.raises(ValidationError) as err:
        render_cloud_init("{{ edge_url }}", {}, ns_instance_id="n", vnf="v", vdu="d", index=0)
    (issue,) = err.value.issues
    assert issue.code == "undefined-variable"
    assert "edge_url" in issue.message


def test_cloud_init_sandbox_refuses_attribute_escapes() -> None:
    with pytest.raises(ValidationError) as err:
        render_cloud_init(
            "{{ params.__class__.__mro__ }}", {}, ns_instance_id="n", vnf="v", vdu="d", index=0
        )
    assert err.value.issues[0].code == "bad-template"


def test_wireguard_public_key_derives_from_the_private_key() -> None:
    pair = generate_keypair()
    again = keypair_from_private(pair.private_key)
    assert again.public_key == pair.public_key
    assert len(pair.public_key) == 44 and pair.public_key != pair.private_key
    assert pair.private_key not in repr(pair)


def test_bad_wireguard_key_does_not_echo_the_value() -> None:
    with pytest.raises(ValidationError) as err:
        keypair_from_private("not-a-key-but-a-secret", where="/corePrivateKey")
    assert "not-a-key-but-a-secret" not in str(err.value)
    assert err.value.issues[0].path == "/corePrivateKey"


def test_secret_inputs_and_outputs_are_not_recorded() -> None:
    def program() -> None:
        from pulumi_kubernetes.core.v1 import Secret

        Secret("s", string_data={"k": pulumi.Output.secret("hunter2")})
        pulumi.export("token", pulumi.Output.secret("hunter2"))
        pulumi.export("plain", "visible")

    plan = run_program(program, mocks=PreviewMocks())
    (secret,) = plan.resources
    assert "hunter2" not in repr(secret.inputs)
    assert plan.outputs == {"token": "[secret]", "plain": "visible"}


def test_config_reaches_the_program_namespaced_by_project() -> None:
    seen: dict[str, str | None] = {}

    def program() -> None:
        seen["site"] = pulumi.Config().get("site")
        seen["other"] = pulumi.Config("other").get("x")

    run_program(program, project="locus-edge", config={"site": "uma", "other:x": "1"})
    assert seen == {"site": "uma", "other": "1"}


def test_wireguard_configs_route_each_sites_block_to_the_other() -> None:
    from locus_iac.infra.components.vpn_link import VpnSide, _render

    core_pair, edge_pair = generate_keypair(), generate_keypair()
    core = VpnSide("ote-core", "10.255.0.1/30", "10.100.0.0/16", "k", "p")
    edge = VpnSide("uma-edge", "10.255.0.2/30", "192.168.128.0/17", "k", "p")
    core_conf = _render(core, edge, cloud_init=True)([core_pair.private_key, edge_pair.public_key])
    edge_conf = _render(edge, core, cloud_init=False)(
        [edge_pair.private_key, core_pair.public_key, "203.0.113.7"]
    )
    assert core_conf.startswith("#cloud-config\n")
    assert "AllowedIPs = 192.168.128.0/17, 10.255.0.2/32" in core_conf
    assert f"PublicKey = {edge_pair.public_key}" in core_conf
    assert "Endpoint" not in core_conf  # the edge dials in (it is usually behind NAT)
    assert "AllowedIPs = 10.100.0.0/16, 10.255.0.1/32" in edge_conf
    assert "Endpoint = 203.0.113.7:51820" in edge_conf
    assert f"PrivateKey = {edge_pair.private_key}" in edge_conf

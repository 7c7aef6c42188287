"""PNF descriptors (SOL005 v3.7.1 clause 6, SOL006 ``pnfd``; issue 16)."""

from __future__ import annotations

from .harness import EXAMPLES, GZ, Api

PNFD = "/nsd/v1/pnf_descriptors"
NSD = "/nsd/v1/ns_descriptors"
VNF = "/vnfpkgm/v1/vnf_packages"
YAML = {"Content-Type": "application/yaml"}
DPI = b"""pnfd:
  id: physical-dpi
  name: physical DPI
  provider: tests
  version: '1.0'
  ext-cpd:
    - id: outside
      layer-protocol: [ethernet]
    - id: inside
      layer-protocol: [ethernet]
"""


def _create(api: Api, **body: object) -> str:
    created = api.post(PNFD, json=body)
    assert created.status_code == 201, created.text
    assert created.headers["Location"].endswith(f"{PNFD}/{created.json()['id']}")
    return str(created.json()["id"])


def test_pnfd_lifecycle(api: Api) -> None:
    pnfd = _create(api, userDefinedData={"site": "a"})
    info = api.get(f"{PNFD}/{pnfd}").json()
    assert info["pnfdOnboardingState"] == "CREATED"
    assert info["_links"]["pnfd_content"]["href"].endswith(f"{PNFD}/{pnfd}/pnfd_content")
    uploaded = api.put(f"{PNFD}/{pnfd}/pnfd_content", content=DPI, headers=YAML)
    assert uploaded.status_code == 201, uploaded.text
    info = api.get(f"{PNFD}/{pnfd}").json()
    assert info["pnfdOnboardingState"] == "ONBOARDED"
    assert (info["pnfdId"], info["pnfdName"], info["pnfdProvider"]) == (
        "physical-dpi",
        "physical DPI",
        "tests",
    )
    assert info["pnfdersion"] == "1.0"  # SOL005 v3.7.1 spells the member so
    assert info["pnfdUsageState"] == "NOT_IN_USE"
    assert [p["id"] for p in api.get(PNFD).json()] == [pnfd]
    assert api.get(f"{PNFD}/{pnfd}/pnfd_content").content == DPI
    assert b"physical-dpi" in api.get(f"{PNFD}/{pnfd}/pnfd").content
    patched = api.patch(f"{PNFD}/{pnfd}", json={"userDefinedData": {"site": "b"}})
    assert patched.status_code == 200, patched.text
    assert api.get(f"{PNFD}/{pnfd}").json()["userDefinedData"] == {"site": "b"}
    refused = api.patch(f"{PNFD}/{pnfd}", json={"operationalState": "DISABLED"})
    assert refused.status_code == 422  # a PNFD has no operational state
    assert api.delete(f"{PNFD}/{pnfd}").status_code == 204
    assert api.get(f"{PNFD}/{pnfd}").status_code == 404


def test_invalid_pnfd_is_refused_with_pointers(api: Api) -> None:
    pnfd = _create(api)
    bad = b"pnfd:\n  id: x\n  version: '1'\n  colour: red\n  ext-cpd: [{id: a}, {id: a}]\n"
    answer = api.put(f"{PNFD}/{pnfd}/pnfd_content", content=bad, headers=YAML)
    assert answer.status_code == 422, answer.text
    paths = {e["path"] for e in answer.json()["errors"]}
    assert paths == {"/pnfd/colour", "/pnfd/ext-cpd/1/id"}
    assert api.get(f"{PNFD}/{pnfd}").json()["pnfdOnboardingState"] == "CREATED"
    vnfd = (EXAMPLES / "cloud_vnf" / "cloud_vnfd.yaml").read_bytes()
    wrong = api.put(f"{PNFD}/{pnfd}/pnfd_content", content=vnfd, headers=YAML)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["code"] == "wrong-descriptor-kind"


def test_nsd_naming_a_pnfd_onboards_with_or_without_it(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    vnf = api.post(VNF, json={}).json()["id"]
    content = example_packages["cloud_vnf"]
    assert api.put(f"{VNF}/{vnf}/package_content", content=content, headers=GZ).status_code == 201
    nsd_yaml = (EXAMPLES / "cloud_ns" / "cloud_nsd.yaml").read_bytes()
    with_pnf = nsd_yaml.replace(
        b"      vnfd-id:\n", b"      pnfd-id: [physical-dpi]\n      vnfd-id:\n"
    )
    assert with_pnf != nsd_yaml
    nsd = api.post(NSD, json={}).json()["id"]
    answer = api.put(f"{NSD}/{nsd}/nsd_content", content=with_pnf, headers=YAML)
    assert answer.status_code == 201, answer.text  # the PNFD is not onboarded: still fine
    pnfd = _create(api)
    assert api.put(f"{PNFD}/{pnfd}/pnfd_content", content=DPI, headers=YAML).status_code == 201
    assert api.get(f"{PNFD}/{pnfd}").json()["pnfdUsageState"] == "IN_USE"
    assert api.delete(f"{PNFD}/{pnfd}").status_code == 409  # the NSD names it

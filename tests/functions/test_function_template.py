"""The function template (seed Table 3): schema validation and package generation."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from locus_iac.descriptors import Vnfd, parse_descriptor
from locus_iac.errors import Conflict, ValidationError
from locus_iac.functions.template import (
    build_package,
    load_template,
    package_files,
    template_schema,
    validate_template,
)
from locus_iac.packages import inspect_package, read_package

ROOT = Path(__file__).resolve().parents[2]
POI_TEMPLATE = ROOT / "examples" / "functions" / "poi-identification.yaml"
POI_PACKAGE = ROOT / "examples" / "packages" / "poi_knf"


def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(POI_TEMPLATE.read_text())
    return loaded


def _valid(path: Path) -> list[str]:
    return [f"{issue}" for issue in inspect_package(path).issues]


def test_annex_a_template_is_valid() -> None:
    template = load_template(POI_TEMPLATE)
    assert template.name == "poi-identification" and template.vnfd_id == "poi_knf"
    assert [c.name for c in template.functional_decomposition.components] == [
        "data-query",
        "preprocessing",
        "clustering",
        "convex-hull",
    ]
    assert template.requirements.placement.location == "core"
    assert {m.method for m in template.requirements.resources.measurements} == {
        "hca",
        "dbscan",
        "optics",
    }


def test_schema_violations_are_all_reported_with_pointers() -> None:
    doc = _document()
    doc["deployment"]["type"] = "unikernel"
    doc["interfaces"][0]["port"] = 70000
    del doc["requirements"]["placement"]
    doc["surprise"] = 1
    with pytest.raises(ValidationError) as caught:
        validate_template(doc)
    found = {(i.path, i.code) for i in caught.value.issues}
    assert ("/deployment/type", "schema-enum") in found
    assert ("/interfaces/0/port", "schema-maximum") in found
    assert ("/requirements", "schema-required") in found
    assert ("", "schema-additionalProperties") in found


def test_cross_references_are_checked() -> None:
    doc = _document()
    doc["functional_decomposition"]["components"][0]["next"] = ["nowhere"]
    doc["monitoring"]["scrape_interface"] = "ghost"
    doc["interfaces"][1]["name"] = "api"
    with pytest.raises(ValidationError) as caught:
        validate_template(doc)
    assert {i.path for i in caught.value.issues} == {
        "/functional_decomposition/components/0/next/0",
        "/monitoring/scrape_interface",
        "/interfaces/1/name",
    }


def test_committed_example_package_is_what_the_generator_makes() -> None:
    files = package_files(load_template(POI_TEMPLATE), POI_TEMPLATE.read_text())
    on_disk = {
        p.relative_to(POI_PACKAGE).as_posix(): p.read_text()
        for p in POI_PACKAGE.rglob("*")
        if p.is_file()
    }
    assert on_disk == files, "regenerate: locus function package ... -o examples/packages"


def test_generated_knf_package_validates_and_carries_the_template(tmp_path: Path) -> None:
    template = load_template(POI_TEMPLATE)
    target = build_package(template, POI_TEMPLATE.read_text(), tmp_path)
    assert _valid(target) == []
    package = read_package(target)
    model = package.descriptor.model
    assert isinstance(model, Vnfd)
    assert [k.helm_chart for k in model.kdu] == ["poi-identification"]
    assert [e.k8s_cluster_net for e in model.ext_cpd] == ["mgmtnet"]
    df = model.df[0]
    assert {m.performance_metric for m in df.monitoring_parameter} == {
        "locus_poi_runs_total",
        "locus_poi_run_duration_seconds",
        "locus_poi_records_processed_total",
    }
    lcm = df.lcm_operations_configuration
    assert lcm is not None and lcm.operate_vnf_op_config is not None
    primitive = lcm.operate_vnf_op_config.day1_2[0].config_primitive[0]
    assert [p.name for p in primitive.parameter] == ["default_method"]
    chart = target / "helm-charts" / "poi-identification"
    values = yaml.safe_load((chart / "values.yaml").read_text())
    assert values["probes"] == {"path": "/health", "port": 8080}
    assert values["metrics"] == {"enabled": True, "port": 8080, "path": "/metrics"}
    assert values["resources"]["requests"] == {"cpu": "2000m", "memory": "1024Mi"}
    assert "prometheus.io/scrape" in (chart / "templates" / "deployment.yaml").read_text()
    with pytest.raises(Conflict):
        build_package(template, POI_TEMPLATE.read_text(), tmp_path)


def test_generated_vm_package_validates(tmp_path: Path) -> None:
    doc = copy.deepcopy(_document())
    doc.pop("package_id")
    doc["deployment"] = {
        "type": "vm",
        "image": "ubuntu-22.04-poi",
        "command": ["/usr/local/bin/locus", "function", "poi", "serve"],
    }
    doc["requirements"]["resources"].update(vcpu=1.5, memory_mib=1536, disk_gib=4.2)
    doc["interfaces"].append(
        {"name": "feed", "protocol": "kafka", "port": 9092, "purpose": "data", "network": "datanet"}
    )
    template = validate_template(doc)
    target = build_package(template, yaml.safe_dump(doc), tmp_path)
    assert target.name == "poi_identification_vnf"
    assert _valid(target) == []
    descriptor = parse_descriptor(
        (target / "poi_identification_vnf_vnfd.yaml").read_text(), "generated"
    )
    model = descriptor.model
    assert isinstance(model, Vnfd)
    compute = model.virtual_compute_desc[0]
    assert compute.virtual_cpu is not None and compute.virtual_cpu.num_virtual_cpu == 2
    assert compute.virtual_memory is not None and float(compute.virtual_memory.size or 0) == 1.5
    assert [e.id for e in model.ext_cpd] == ["mgmtnet-ext", "datanet-ext"]
    cloud_init = (target / "cloud_init" / "poi-identification-init.cfg").read_text()
    assert cloud_init.startswith("#cloud-config\n")
    assert (
        "LOCUS_FN_DEFAULT_METHOD=dbscan" in yaml.safe_load(cloud_init)["write_files"][0]["content"]
    )


def test_example_schema_copy_matches_the_packaged_schema() -> None:
    """examples/functions/function-template.schema.json is `locus function schema --json`."""
    copy_path = ROOT / "examples" / "functions" / "function-template.schema.json"
    assert json.loads(copy_path.read_text()) == template_schema()

"""Generate a VNF/KNF package from a function template (seed §4.3.3).

The package uses the OSM layout (SOL004 §4.3.1, what ``locus pkg validate`` reads): the
VNFD YAML alone in the top folder, and

* ``container`` functions: a KNF (OSM ``kdu`` with a local ``helm-chart``,
  ``k8s-cluster`` nets) and the chart under ``helm-charts/<name>/`` (:mod:`.helm`);
* ``vm`` functions: a VNF with one VDU (``virtual-compute-desc`` / ``virtual-storage-desc``
  sized from Table 3 "Requirements (1)", the image as ``sw-image-desc``) and its
  ``cloud_init/<name>-init.cfg``.

Both get one ``ext-cpd`` per network the interfaces use (the management one is
``mgmt-cp``), the monitoring metrics as SOL006 ``df/monitoring-parameter``, the configuration
parameters (Table 3 "Requirements (3)") as a Day-2 ``configure`` primitive run by the
Ansible playbook ``ansible/<name>-config/configure.yml``, and the filled template itself
under ``locus-function/`` (placement hints, I/O, dependencies: what SOL006 cannot carry).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from textwrap import shorten
from typing import Any

import yaml

from locus_iac.errors import Conflict
from locus_iac.functions.template.helm import DATA_MOUNT, ENV_PREFIX, chart_files
from locus_iac.functions.template.model import FunctionTemplate, Parameter

_DATA_TYPES = {"string": "STRING", "number": "STRING", "integer": "INTEGER", "boolean": "BOOLEAN"}


def _brief(text: str) -> str:
    return shorten(text, 200, placeholder="...")


def _networks(template: FunctionTemplate) -> list[str]:
    """Networks in interface order, the management (else first) interface's first."""
    mgmt = template.interface("management") or template.interfaces[0]
    nets = [mgmt.network]
    nets += [i.network for i in template.interfaces if i.network not in nets]
    return nets


def _parameter(p: Parameter) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "data-type": _DATA_TYPES[p.type]}
    if p.required:
        out["mandatory"] = True
    if p.default is not None:
        out["default-value"] = (
            str(p.default).lower() if isinstance(p.default, bool) else str(p.default)
        )
    return out


def _day12(template: FunctionTemplate, element_id: str) -> list[dict[str, Any]]:
    params = template.requirements.configuration.parameters
    if not params:
        return []
    env = f"{template.name}-config"
    return [
        {
            "id": element_id,
            "execution-environment-list": [
                {"id": env, "external-connection-point-ref": f"{_networks(template)[0]}-ext"}
            ],
            "config-primitive": [
                {
                    "name": "configure",
                    "execution-environment-ref": env,
                    "parameter": [_parameter(p) for p in params],
                }
            ],
        }
    ]


def _df(template: FunctionTemplate, element_id: str) -> dict[str, Any]:
    df: dict[str, Any] = {"id": "default-df"}
    if template.deployment.type == "vm":
        replicas = template.deployment.replicas
        df["vdu-profile"] = [{"id": template.name, "min-number-of-instances": replicas}]
        df["instantiation-level"] = [
            {
                "id": "default-instantiation-level",
                "vdu-level": [{"vdu-id": template.name, "number-of-instances": replicas}],
            }
        ]
    if template.monitoring and template.monitoring.metrics:
        df["monitoring-parameter"] = [
            {
                "id": m.id,
                "name": m.name,
                "performance-metric": m.performance_metric,
                **(
                    {"collection-period": m.collection_period_s * 1000}
                    if m.collection_period_s
                    else {}
                ),
            }
            for m in template.monitoring.metrics
        ]
    day12 = _day12(template, element_id)
    if day12:
        df["lcm-operations-configuration"] = {"operate-vnf-op-config": {"day1-2": day12}}
    return df


def _vm_parts(template: FunctionTemplate, nets: list[str]) -> dict[str, Any]:
    res = template.requirements.resources
    name = template.name
    return {
        "virtual-compute-desc": [
            {
                "id": f"{name}-compute",
                "virtual-cpu": {"num-virtual-cpu": max(1, math.ceil(res.vcpu))},
                "virtual-memory": {"size": round(res.memory_mib / 1024, 3)},
            }
        ],
        "virtual-storage-desc": [
            {"id": f"{name}-storage", "size-of-storage": max(1, math.ceil(res.disk_gib))}
        ],
        "sw-image-desc": [
            {
                "id": template.deployment.image,
                "name": template.deployment.image,
                "image": template.deployment.image,
            }
        ],
        "vdu": [
            {
                "id": name,
                "name": name,
                "description": _brief(template.description),
                "cloud-init-file": f"{name}-init.cfg",
                "sw-image-desc": template.deployment.image,
                "virtual-compute-desc": f"{name}-compute",
                "virtual-storage-desc": [f"{name}-storage"],
                "int-cpd": [
                    {
                        "id": f"{net}-int",
                        "virtual-network-interface-requirement": [
                            {"name": f"eth{k}", "virtual-interface": {"type": "VIRTIO"}}
                        ],
                    }
                    for k, net in enumerate(nets)
                ],
            }
        ],
        "ext-cpd": [
            {"id": f"{net}-ext", "int-cpd": {"vdu-id": name, "cpd": f"{net}-int"}} for net in nets
        ],
    }


def vnfd_document(template: FunctionTemplate) -> dict[str, Any]:
    """The SOL006 (+OSM) VNFD document, ``{"vnfd": {...}}``, for ``template``."""
    nets = _networks(template)
    vnfd: dict[str, Any] = {
        "id": template.vnfd_id,
        "product-name": template.vnfd_id,
        "provider": template.provider,
        "version": template.version,
        "software-version": template.version,
        "description": " ".join(template.description.split()),
        "mgmt-cp": f"{nets[0]}-ext",
    }
    if template.deployment.type == "container":
        vnfd["k8s-cluster"] = {"nets": [{"id": net} for net in nets]}
        vnfd["kdu"] = [
            {
                "name": template.name,
                "description": _brief(template.description),
                "helm-chart": template.name,
                "helm-version": "v3",
            }
        ]
        vnfd["ext-cpd"] = [{"id": f"{net}-ext", "k8s-cluster-net": net} for net in nets]
        element = template.name
    else:
        vnfd.update(_vm_parts(template, nets))
        element = template.name
    vnfd["df"] = [_df(template, element)]
    return {"vnfd": vnfd}


def _env_name(p: Parameter) -> str:
    return ENV_PREFIX + p.name.upper()


def _configure_playbook(template: FunctionTemplate) -> list[dict[str, Any]]:
    params = template.requirements.configuration.parameters
    assignments = [f"{_env_name(p)}={{{{ {p.name} }}}}" for p in params]
    if template.deployment.type == "container":
        return [
            {
                "name": f"Configure {template.name} (Day-2 primitive 'configure').",
                "hosts": "localhost",
                "gather_facts": False,
                "tasks": [
                    {
                        "name": "Check that the KDU's Helm release and namespace are known.",
                        "ansible.builtin.assert": {
                            "that": ["kdu_release is defined", "kdu_namespace is defined"],
                            "fail_msg": (
                                "pass kdu_release and kdu_namespace (the KDU's Helm release "
                                "and namespace) with the primitive's parameters"
                            ),
                        },
                    },
                    {
                        "name": "Set the configuration as container environment (rolls the pods).",
                        "ansible.builtin.command": {
                            "argv": [
                                "kubectl",
                                "--namespace",
                                "{{ kdu_namespace }}",
                                "set",
                                "env",
                                f"deployment/{{{{ kdu_release }}}}-{template.name}",
                                *assignments,
                            ]
                        },
                        "changed_when": True,
                    },
                ],
            }
        ]
    return [
        {
            "name": f"Configure {template.name} (Day-2 primitive 'configure').",
            "hosts": "all",
            "become": True,
            "tasks": [
                {
                    "name": "Write the configuration to the service environment file.",
                    "ansible.builtin.copy": {
                        "dest": f"/etc/{template.name}/env",
                        "mode": "0644",
                        "content": "".join(f"{a}\n" for a in assignments),
                    },
                    "notify": "Restart the function.",
                },
            ],
            "handlers": [
                {
                    "name": "Restart the function.",
                    "ansible.builtin.systemd": {"name": template.name, "state": "restarted"},
                }
            ],
        }
    ]


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks (readable cloud-config files)."""


def _str_block(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_block)


def _cloud_init(template: FunctionTemplate) -> str:
    env = "".join(
        f"{_env_name(p)}={p.default}\n"
        for p in template.requirements.configuration.parameters
        if p.default is not None
    )
    command = " ".join(template.deployment.command) or f"/usr/local/bin/{template.name}"
    unit = (
        f"[Unit]\nDescription={template.name}\nAfter=network-online.target\n\n"
        f"[Service]\nEnvironmentFile=-/etc/{template.name}/env\nExecStart={command}\n"
        "Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n"
    )
    config = {
        "write_files": [
            {"path": f"/etc/{template.name}/env", "permissions": "0644", "content": env},
            {"path": f"/etc/systemd/system/{template.name}.service", "content": unit},
        ],
        "runcmd": [
            ["mkdir", "-p", f"{DATA_MOUNT}/results"],
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", f"{template.name}.service"],
        ],
    }
    return "#cloud-config\n" + yaml.dump(config, Dumper=_BlockDumper, sort_keys=False)


def package_files(template: FunctionTemplate, template_text: str) -> dict[str, str]:
    """Relative path -> text of every file of the package folder."""
    header = (
        f"# {template.vnfd_id}: generated by `locus function package` from the "
        f"function template {template.name} {template.version}.\n"
    )
    files = {
        f"{template.vnfd_id}_vnfd.yaml": header
        + yaml.safe_dump(vnfd_document(template), sort_keys=False),
        f"locus-function/{template.name}.yaml": template_text,
    }
    if template.deployment.type == "container":
        for rel, text in chart_files(template).items():
            files[f"helm-charts/{template.name}/{rel}"] = text
    else:
        files[f"cloud_init/{template.name}-init.cfg"] = _cloud_init(template)
    if template.requirements.configuration.parameters:
        files[f"ansible/{template.name}-config/configure.yml"] = yaml.safe_dump(
            _configure_playbook(template), sort_keys=False
        )
    return files


def build_package(
    template: FunctionTemplate, template_text: str, out_dir: Path, *, force: bool = False
) -> Path:
    """Write the package folder ``out_dir/<vnfd id>``; return its path."""
    target = out_dir / template.vnfd_id
    if target.exists():
        if not force:
            raise Conflict(f"{target} already exists (use --force to replace it)")
        shutil.rmtree(target)
    for rel, text in package_files(template, template_text).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target

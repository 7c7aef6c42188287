"""The console tests' operation runner (a test double of the product's): the file-controlled
runner of ``tests/lcm/runners.py`` (``block``, ``fail``) that first does what the product's
INSTANTIATE does before it deploys — the real placement step
(:func:`locus_iac.lcm.placing.place_and_report`: the optimiser on the registered sites,
``progress.placement``) — and, where the product's ``up`` would, reports made-up stack
outputs shaped like the NS program's (:func:`locus_iac.infra.program.build_ns`): a management
address per VDU instance, a Service name per KDU, a network per link and site.

A worker process runs ``python -m ui.runners OP WORKER`` (``tests/`` on its ``PYTHONPATH``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from lcm.runners import ENV, FileControlledRunner

from locus_iac.catalogue import Database
from locus_iac.descriptors import Nsd, Vnfd
from locus_iac.lcm import worker
from locus_iac.lcm.inputs import load_packages
from locus_iac.lcm.placing import place_and_report
from locus_iac.lcm.requests import InstantiateNsRequest
from locus_iac.lcm.runner import Job, Outcome, Reporter, RunnerContext, RunnerFactory
from locus_iac.lcm.states import LcmOperationType

#: The addresses this double's "engine" gives: a KDU's Service, a VDU instance's fixed IP.
SERVICE = "{kdu}.locus-{ns}.svc.cluster.local"
MANAGEMENT = "10.20.0.{n}"
NETWORK = "locus-{ns}-{link}"


def outputs_for(db: Database, job: Job, sites: dict[str, str]) -> dict[str, Any]:
    """Stack outputs shaped as the NS program exports them, for the instance's NSD: each
    KNF profile's KDUs, each VNF profile's VDU instances, each virtual link at each site."""
    with db.session(readonly=True) as session:
        nsd_package, vnf_packages = load_packages(session, job.project_id, job.nsd_info_id)
    nsd = nsd_package.descriptor.model
    assert isinstance(nsd, Nsd)
    vnfds = {p.descriptor.model.id: p.descriptor.model for p in vnf_packages}
    ns = job.ns_instance_id[:8]
    management: dict[str, dict[str, str]] = {}
    services: dict[str, dict[str, str]] = {}
    for n, profile in enumerate(nsd.df[0].vnf_profile if nsd.df else (), start=10):
        vnfd = vnfds[profile.vnfd_id]
        assert isinstance(vnfd, Vnfd)
        if vnfd.is_knf:
            services[profile.id] = {k.name: SERVICE.format(kdu=k.name, ns=ns) for k in vnfd.kdu}
        else:
            management[profile.id] = {f"{v.id}-0": MANAGEMENT.format(n=n) for v in vnfd.vdu}
    where = set(sites.values())
    links = {
        vld.id: {site: NETWORK.format(ns=ns, link=vld.id) for site in where}
        for vld in nsd.virtual_link_desc
        if not vld.mgmt_network
    }
    return {
        "ns_instance_id": job.ns_instance_id,
        "management": management,
        "services": services,
        "links": links,
        "secret_thing": "[secret]",
    }


class PlacingRunner(FileControlledRunner):
    """INSTANTIATE places (the product's step) and reports outputs; SCALE reports outputs."""

    def __init__(self, folder: Path, db: Database) -> None:
        super().__init__(folder)
        self.db = db

    def run(self, job: Job, report: Reporter) -> Outcome:
        if job.operation is LcmOperationType.INSTANTIATE:
            request = InstantiateNsRequest.model_validate(job.operation_params)
            placed = place_and_report(self.db, job, request, report)
            params = placed.model_dump(mode="json")
            job = job.model_copy(update={"operation_params": params})
            sites = placed.additional_params.placement or {"1": placed.vim_account_id or "?"}
            report.outputs(outputs_for(self.db, job, sites))
        return super().run(job, report)


def placing_from_env(context: RunnerContext) -> PlacingRunner:
    return PlacingRunner(Path(os.environ[ENV]), Database(context.database_url))


PLACING_RUNNER = RunnerFactory(placing_from_env, ("-m", "ui.runners"))

if __name__ == "__main__":  # a worker process of PLACING_RUNNER
    sys.exit(worker.main(sys.argv[1:], placing_from_env))

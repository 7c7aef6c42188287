"""The console tests' operation runner (a test double of the product's): the file-controlled
runner of ``tests/lcm/runners.py`` (``block``, ``fail``) that first does what the product's
INSTANTIATE does before it deploys — the real placement step
(:func:`locus_iac.lcm.placing.place_and_report`: the optimiser on the registered sites,
``progress.placement``) — and, where the product's ``up`` would, reports stack outputs shaped
like the NS program's (:func:`locus_iac.infra.program.build_ns`): a management address per
VDU instance, a Service name per KDU, a network or attachment per link and site.

A worker process runs ``python -m ui.runners OP WORKER`` (``tests/`` on its ``PYTHONPATH``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from lcm.runners import ENV, FileControlledRunner

from locus_iac.catalogue import Database
from locus_iac.lcm import worker
from locus_iac.lcm.placing import place_and_report
from locus_iac.lcm.requests import InstantiateNsRequest
from locus_iac.lcm.runner import Job, Outcome, Reporter, RunnerContext, RunnerFactory
from locus_iac.lcm.states import LcmOperationType

#: What this double's "engine" gives every VNF profile: the KNF's Service, the VM's address.
SERVICE = "edge-cache.locus-{ns}.svc.cluster.local"
MANAGEMENT = "10.20.0.{n}"
NETWORK = "locus-{ns}-{link}"


def outputs_for(job: Job, placement: dict[str, str], links: tuple[str, ...]) -> dict[str, Any]:
    """Stack outputs as the NS program exports them, for the profiles in ``placement``."""
    ns = job.ns_instance_id[:8]
    return {
        "ns_instance_id": job.ns_instance_id,
        "management": {},
        "services": {p: {"edge-cache": SERVICE.format(ns=ns)} for p in placement},
        "links": {
            link: {site: NETWORK.format(ns=ns, link=link) for site in set(placement.values())}
            for link in links
        },
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
            report.outputs(outputs_for(job, sites, ("cache_net", "user_net")))
        return super().run(job, report)


def placing_from_env(context: RunnerContext) -> PlacingRunner:
    return PlacingRunner(Path(os.environ[ENV]), Database(context.database_url))


PLACING_RUNNER = RunnerFactory(placing_from_env, ("-m", "ui.runners"))

if __name__ == "__main__":  # a worker process of PLACING_RUNNER
    sys.exit(worker.main(sys.argv[1:], placing_from_env))

"""Smart NFV Functions (seed §4.3, Table 2): separate processes on the SOL005 API.

* Service Optimization — :mod:`~locus_iac.smart.autoscaler`: threshold autoscaling from the
  VNFD scaling policies, on the Config Manager's ``LocusScaleOut``/``LocusScaleIn`` alerts;
* Fault Management — :mod:`~locus_iac.smart.faults`: heal on ``LocusTargetDown``;
* Design — :mod:`~locus_iac.smart.rightsize`: CPU/memory right-sizing as a VNFD diff.

``locus smart serve`` receives Alertmanager's webhook (:mod:`~locus_iac.smart.server`) and
hands each alert to its function (:mod:`~locus_iac.smart.dispatch`); every decision is a
JSON line (:mod:`~locus_iac.smart.decisions`). They talk to the MANO only through
:class:`~locus_iac.smart.sol005.Sol005Client` and to Prometheus through its HTTP API.
"""

from locus_iac.smart.alerts import Alert, Notification, parse_notification
from locus_iac.smart.autoscaler import Autoscaler
from locus_iac.smart.decisions import Decision, DecisionLog, Outcome
from locus_iac.smart.dispatch import Dispatcher
from locus_iac.smart.faults import FaultManager
from locus_iac.smart.prometheus import PrometheusClient
from locus_iac.smart.rightsize import Proposal, Usage, rightsize
from locus_iac.smart.service import Service, load_service
from locus_iac.smart.settings import MonitoringEndpoints, load_endpoints
from locus_iac.smart.sol005 import Credentials, Sol005Client

__all__ = [
    "Alert",
    "Autoscaler",
    "Credentials",
    "Decision",
    "DecisionLog",
    "Dispatcher",
    "FaultManager",
    "MonitoringEndpoints",
    "Notification",
    "Outcome",
    "PrometheusClient",
    "Proposal",
    "Service",
    "Sol005Client",
    "Usage",
    "load_endpoints",
    "load_service",
    "parse_notification",
    "rightsize",
]

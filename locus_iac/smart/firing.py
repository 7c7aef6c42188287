"""Is an alert still firing? Asked of Prometheus at decision time.

Alertmanager's notifications can lag behind Prometheus: a repeat of a group can still say
``firing`` after Prometheus resolved the alert (seen on the testbed: a scale-out repeated a
minute after the metric fell). Before acting, a smart function asks Prometheus' ``ALERTS``
series for the alert with the same identifying labels; when Prometheus cannot be reached the
notification is trusted (the alert came from it moments ago, and a monitoring outage must
not stop the MANO from reacting).
"""

from __future__ import annotations

import json
import logging

from locus_iac.errors import LocusError
from locus_iac.smart.alerts import Alert
from locus_iac.smart.prometheus import PrometheusClient

logger = logging.getLogger(__name__)


def still_firing(prometheus: PrometheusClient | None, alert: Alert, keys: tuple[str, ...]) -> bool:
    """False only when Prometheus answers that ``alert`` (by ``keys`` labels) is not firing."""
    if prometheus is None:
        return True
    labels = {"alertname": alert.name, "alertstate": "firing"}
    labels |= {k: alert.labels[k] for k in keys if k in alert.labels}
    selector = ", ".join(f"{k}={json.dumps(v)}" for k, v in labels.items())
    try:
        return bool(prometheus.query(f"ALERTS{{{selector}}}"))
    except LocusError as exc:
        logger.warning("cannot ask Prometheus whether %s still fires: %s", alert.name, exc)
        return True

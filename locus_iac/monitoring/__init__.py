"""Monitoring (issue 17): the Config Manager, the MANO's own metrics, lifecycle events.

* :mod:`.settings` - ``monitoring.yaml`` (``locus serve --monitoring FILE``);
* :mod:`.render` - targets, rules and the Alertmanager route of one NS instance;
* :mod:`.files` - the Config Manager's folder: checks, atomic renames, reloads, revert;
* :mod:`.outbox` / :mod:`.drain` - the transactional outbox and its background drain;
* :mod:`.bus` - op occurrence events on Kafka;
* :mod:`.metrics` - ``/metrics`` of ``locus serve``;
* :mod:`.service` - what ``locus serve`` starts and stops.
"""

from locus_iac.monitoring.settings import MonitoringSettings, load_settings, settings_from

__all__ = ["MonitoringSettings", "load_settings", "settings_from"]

"""The monitoring settings file (``monitoring.yaml``) and its loader.

The file is written by the monitoring playbook (``<testbed dir>/monitoring.yaml`` on the local
testbed) and read by ``locus serve --monitoring FILE`` (env ``LOCUS_MONITORING``) and by the
smart functions. Unknown keys are refused: every problem is reported with a JSON pointer into
the file. Without the file monitoring is off.

``config_dir`` is the Config Manager's folder (see :mod:`locus_iac.monitoring.files`)::

    prometheus/targets/<ns_id>.json     file_sd targets of one NS instance (MANO-owned)
    prometheus/rules/<ns_id>.yml        its alerting rules (MANO-owned)
    prometheus/mano/<name>.json         the MANO's own /metrics target (MANO-owned)
    alertmanager/base.yml               global, default route, receivers (role-owned)
    alertmanager/routes/<ns_id>.yml     one route per NS instance (MANO-owned)
    alertmanager/alertmanager.yml       base + routes, rendered by the MANO
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from locus_iac.errors import Issue, ValidationError, json_pointer

ENV_VAR = "LOCUS_MONITORING"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MonitoringComponent(_Strict):
    """A supervised process of the monitoring platform (same shape as ``site.yaml``'s)."""

    name: str
    pid_file: Path
    port: Annotated[int, Field(ge=1, le=65535)]


class MonitoringTestbed(_Strict):
    """What the playbook records about the processes it started."""

    components: tuple[MonitoringComponent, ...] = ()


class MonitoringSettings(_Strict):
    """Where the monitoring platform is and where the Config Manager writes."""

    prometheus_url: AnyHttpUrl
    alertmanager_url: AnyHttpUrl
    pushgateway_url: AnyHttpUrl | None = None
    influxdb_url: AnyHttpUrl | None = None
    kafka_bootstrap: Annotated[str, Field(min_length=3, pattern=r"^[^\s,]+(,[^\s,]+)*$")]
    smart_webhook_url: AnyHttpUrl | None = None
    config_dir: Path
    promtool: Path = Path("/usr/bin/promtool")
    amtool: Path = Path("/usr/bin/amtool")
    testbed: MonitoringTestbed | None = None
    #: seconds between two drains of the outbox while it is empty or blocked (max backoff)
    drain_interval: Annotated[float, Field(gt=0, le=600)] = 2.0
    #: the longest wait between two attempts at a service that is down
    max_backoff: Annotated[float, Field(gt=0, le=3600)] = 60.0

    def url(self, field: str) -> str:
        """A service URL without its trailing slash (``prometheus_url`` -> ``http://h:p``)."""
        return str(getattr(self, field)).rstrip("/")


def _issues(exc: PydanticValidationError) -> list[Issue]:
    issues = []
    for err in exc.errors():
        loc = [p if isinstance(p, int) else str(p) for p in err["loc"]]
        code = "unknown-field" if err["type"] == "extra_forbidden" else "invalid-value"
        issues.append(Issue(json_pointer(*loc), code, err["msg"]))
    return issues


def parse_settings(document: Any, source: str = "monitoring settings") -> MonitoringSettings:
    """Validate a loaded ``monitoring.yaml`` document (ValidationError with JSON pointers)."""
    if not isinstance(document, Mapping):
        raise ValidationError(
            f"{source}: invalid monitoring settings",
            [Issue("", "invalid-type", "the file must hold a mapping")],
        )
    try:
        return MonitoringSettings.model_validate(dict(document))
    except PydanticValidationError as exc:
        raise ValidationError(f"{source}: invalid monitoring settings", _issues(exc)) from None


def load_settings(path: Path) -> MonitoringSettings:
    """Read and validate the settings file at ``path``."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(
            f"cannot read monitoring settings {path}",
            [Issue("", "unreadable", exc.strerror or type(exc).__name__)],
        ) from None
    except yaml.YAMLError as exc:
        raise ValidationError(
            f"{path} is not YAML", [Issue("", "invalid-yaml", str(exc).splitlines()[0])]
        ) from None
    return parse_settings(document, str(path))


def settings_from(
    path: Path | None, env: Mapping[str, str] | None = None
) -> MonitoringSettings | None:
    """The settings of ``--monitoring FILE``, else of ``$LOCUS_MONITORING``; None = off."""
    source = os.environ if env is None else env
    if path is None and source.get(ENV_VAR):
        path = Path(source[ENV_VAR])
    return None if path is None else load_settings(path)

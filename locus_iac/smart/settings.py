"""Where the smart functions find the MANO and the monitoring platform.

The monitoring settings file (``<testbed dir>/monitoring.yaml``, the monitoring contract of
issue 17) is written by the monitoring playbook and owned by :mod:`locus_iac.monitoring`;
the smart functions are separate processes that read the few keys they need from it
(``prometheus_url``, ``smart_webhook_url``) and leave the others to their owner. The NBI's
address and credentials come from options or the environment (``LOCUS_NBI_URL``,
``LOCUS_NBI_USERNAME``, ``LOCUS_NBI_PASSWORD`` or ``LOCUS_NBI_TOKEN``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from locus_iac.errors import Issue, ValidationError


@dataclass(frozen=True)
class MonitoringEndpoints:
    """The monitoring platform as the smart functions use it."""

    prometheus_url: str
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 19095


def _url(data: dict[str, Any], key: str, source: str) -> str:
    value = data.get(key)
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            f"{source}: invalid monitoring settings",
            [Issue(f"/{key}", "invalid-value", f"{key} must be an http(s) URL")],
        )
    return str(value).rstrip("/")


def load_endpoints(path: Path) -> MonitoringEndpoints:
    """The Prometheus URL and the webhook's address from the monitoring settings file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(
            f"cannot read {path}", [Issue("", "unreadable", exc.strerror or str(exc))]
        ) from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"{path}: not YAML", [Issue("", "yaml-syntax", str(exc))]) from None
    if not isinstance(data, dict):
        raise ValidationError(f"{path}: not a mapping", [Issue("", "wrong-type", "a mapping")])
    prometheus = _url(data, "prometheus_url", str(path))
    if "smart_webhook_url" not in data:
        return MonitoringEndpoints(prometheus)
    hook = urlsplit(_url(data, "smart_webhook_url", str(path)))
    return MonitoringEndpoints(prometheus, hook.hostname or "127.0.0.1", hook.port or 80)

"""The Config Manager's folder: atomic writes, checks before rename, reloads, revert.

Rules are written to a hidden temporary file beside their place, checked with
``promtool check rules``, renamed into place, and Prometheus is asked to ``POST /-/reload``;
the Alertmanager config is rendered from ``base.yml`` plus every route fragment, checked with
``amtool check-config``, renamed and reloaded the same way. When a reload is refused the
previous file is put back and reloaded again, so a bad rule never breaks the running config.

Errors: a check or a refused reload is a :class:`~locus_iac.errors.PermanentError` (the
content is wrong; nothing was changed); a service that cannot be reached is a
:class:`~locus_iac.errors.RetryableError` (the file is in place and will be read when the
service starts; the reload is retried by the outbox).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from locus_iac.errors import PermanentError, RetryableError
from locus_iac.monitoring.render import render_alertmanager, render_route
from locus_iac.monitoring.settings import MonitoringSettings

log = logging.getLogger(__name__)

_CHECK_TIMEOUT = 30.0
_RELOAD_TIMEOUT = 10.0


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class Layout:
    """Where each file of the Config Manager's folder is (the contract of issue 17)."""

    root: Path

    def targets(self, ns_id: str) -> Path:
        return self.root / "prometheus" / "targets" / f"{ns_id}.json"

    def rules(self, ns_id: str) -> Path:
        return self.root / "prometheus" / "rules" / f"{ns_id}.yml"

    def mano_target(self, name: str) -> Path:
        return self.root / "prometheus" / "mano" / f"{name}.json"

    def route(self, ns_id: str) -> Path:
        return self.root / "alertmanager" / "routes" / f"{ns_id}.yml"

    @property
    def routes_dir(self) -> Path:
        return self.root / "alertmanager" / "routes"

    @property
    def am_base(self) -> Path:
        return self.root / "alertmanager" / "base.yml"

    @property
    def am_config(self) -> Path:
        return self.root / "alertmanager" / "alertmanager.yml"

    def owned(self, ns_id: str) -> list[Path]:
        """Every file the MANO writes for one NS instance."""
        return [self.targets(ns_id), self.rules(ns_id), self.route(ns_id)]


class _Checked:
    """Replace a file only with content a checker accepts, reload, revert on refusal."""

    def __init__(self, path: Path, check: list[str], reload: Callable[[], None], what: str) -> None:
        self.path, self.check, self.reload, self.what = path, check, reload, what

    def _run_check(self, candidate: Path) -> None:
        try:
            done = subprocess.run(
                [*self.check, str(candidate)],
                capture_output=True,
                text=True,
                timeout=_CHECK_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PermanentError(f"cannot run {self.check[0]}: {type(exc).__name__}") from None
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            tail = "; ".join(line.strip() for line in detail[-3:])
            raise PermanentError(f"{self.what} refused by {Path(self.check[0]).name}: {tail}")

    def replace(self, text: str | None) -> bool:
        """Put ``text`` in place (None removes the file); False when nothing changed."""
        before = self.path.read_text(encoding="utf-8") if self.path.exists() else None
        if before == text:
            self.reload()  # an earlier reload may not have reached the service
            return False
        if text is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            candidate = self.path.with_name(f".{self.path.name}.check")
            candidate.write_text(text, encoding="utf-8")
            try:
                self._run_check(candidate)
            finally:
                candidate.unlink(missing_ok=True)
            _atomic_write(self.path, text)
        else:
            _remove(self.path)
        try:
            self.reload()
        except PermanentError:
            self._restore(before)
            raise
        return True

    def _restore(self, before: str | None) -> None:
        log.warning("reload refused %s; putting the previous file back", self.path)
        if before is None:
            _remove(self.path)
        else:
            _atomic_write(self.path, before)
        try:
            self.reload()
        except (PermanentError, RetryableError) as exc:  # pragma: no cover - logged only
            log.error("reload after restoring %s failed too: %s", self.path, exc)


def _post_reload(client: httpx.Client, base_url: str, what: str) -> None:
    try:
        response = client.post(f"{base_url}/-/reload", timeout=_RELOAD_TIMEOUT)
    except httpx.HTTPError as exc:
        raise RetryableError(f"{what} unreachable: {type(exc).__name__}", delay=5.0) from None
    if response.status_code >= 500 and "failed to reload" not in response.text.lower():
        raise RetryableError(f"{what} reload: HTTP {response.status_code}", delay=5.0)
    if response.status_code != 200:
        raise PermanentError(
            f"{what} refused the reload: HTTP {response.status_code} {response.text.strip()[:300]}"
        )


class ConfigFiles:
    """Writes and removes one NS instance's targets, rules and route; reloads the services."""

    def __init__(self, settings: MonitoringSettings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.layout = Layout(settings.config_dir)
        self._client = client or httpx.Client()

    def reload_prometheus(self) -> None:
        _post_reload(self._client, self.settings.url("prometheus_url"), "Prometheus")

    def reload_alertmanager(self) -> None:
        _post_reload(self._client, self.settings.url("alertmanager_url"), "Alertmanager")

    def _rules(self, ns_id: str) -> _Checked:
        check = [str(self.settings.promtool), "check", "rules"]
        return _Checked(self.layout.rules(ns_id), check, self.reload_prometheus, "rule file")

    def _am_config(self) -> _Checked:
        check = [str(self.settings.amtool), "check-config"]
        path = self.layout.am_config
        return _Checked(path, check, self.reload_alertmanager, "Alertmanager config")

    def _render_alertmanager(self) -> str:
        try:
            base = yaml.safe_load(self.layout.am_base.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PermanentError(
                f"cannot read {self.layout.am_base}: {type(exc).__name__}"
            ) from None
        routes_dir = self.layout.routes_dir
        fragments = sorted(routes_dir.glob("*.yml")) if routes_dir.is_dir() else []
        routes = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in fragments]
        return yaml.safe_dump(render_alertmanager(base, routes), sort_keys=False)

    def _set_route(self, ns_id: str, present: bool) -> None:
        path = self.layout.route(ns_id)
        before = path.read_text(encoding="utf-8") if path.exists() else None
        wanted = yaml.safe_dump(render_route(ns_id), sort_keys=False) if present else None
        if wanted is None:
            _remove(path)
        else:
            _atomic_write(path, wanted)
        try:
            self._am_config().replace(self._render_alertmanager())
        except PermanentError:
            if before is None:
                _remove(path)
            else:
                _atomic_write(path, before)
            raise

    def apply(self, ns_id: str, targets: list[dict[str, Any]], rules: dict[str, Any]) -> None:
        """Put the service's targets, rules and route in place (idempotent)."""
        self._rules(ns_id).replace(yaml.safe_dump(rules, sort_keys=False))
        _atomic_write(self.layout.targets(ns_id), json.dumps(targets, indent=2) + "\n")
        self._set_route(ns_id, present=True)

    def remove(self, ns_id: str) -> None:
        """Remove everything written for the service (idempotent)."""
        _remove(self.layout.targets(ns_id))
        self._rules(ns_id).replace(None)
        self._set_route(ns_id, present=False)

    def write_mano_target(self, name: str, address: str, labels: dict[str, str]) -> Path:
        """The MANO's own ``/metrics`` target (file_sd, read by job ``locus-mano``)."""
        path = self.layout.mano_target(name)
        _atomic_write(path, json.dumps([{"targets": [address], "labels": labels}]) + "\n")
        return path

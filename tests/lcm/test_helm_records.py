"""A retry removes the Helm records its dead worker left pending (else Helm answers "another
operation (install/upgrade/rollback) is in progress" to every later upgrade)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from locus_iac.lcm.helm_records import release_pending


class FakeSecrets:
    """``CoreV1Api``'s secret calls over a dict: name -> labels."""

    def __init__(self, secrets: dict[str, dict[str, str]]) -> None:
        self.secrets = secrets
        self.deleted: list[tuple[str, str]] = []

    def list_namespaced_secret(self, namespace: str, label_selector: str) -> Any:
        wanted = dict(part.split("=") for part in label_selector.split(","))
        items = [
            SimpleNamespace(metadata=SimpleNamespace(name=name, labels=labels))
            for name, labels in self.secrets.items()
            if all(labels.get(k) == v for k, v in wanted.items())
        ]
        return SimpleNamespace(items=items)

    def delete_namespaced_secret(self, name: str, namespace: str) -> Any:
        self.deleted.append((namespace, name))
        del self.secrets[name]


def _record(release: str, revision: int, status: str) -> tuple[str, dict[str, str]]:
    labels = {"owner": "helm", "name": release, "status": status, "version": str(revision)}
    return f"sh.helm.release.v1.{release}.v{revision}", labels


def test_pending_upgrade_and_rollback_records_go_the_deployed_one_stays() -> None:
    api = FakeSecrets(
        dict(
            [
                _record("cache-edge-1a2b3c4d", 1, "superseded"),
                _record("cache-edge-1a2b3c4d", 2, "deployed"),
                _record("cache-edge-1a2b3c4d", 3, "pending-upgrade"),
                _record("probe-edge-1a2b3c4d", 1, "deployed"),
                _record("probe-edge-1a2b3c4d", 2, "pending-rollback"),
                _record("other-ns-99999999", 4, "pending-upgrade"),  # not this NS's release
            ]
        )
    )
    removed = release_pending(api, "locus-ns", ["cache-edge-1a2b3c4d", "probe-edge-1a2b3c4d"])
    assert removed == [
        "sh.helm.release.v1.cache-edge-1a2b3c4d.v3",
        "sh.helm.release.v1.probe-edge-1a2b3c4d.v2",
    ]
    assert api.deleted == [("locus-ns", name) for name in removed]
    assert sorted(api.secrets) == [
        "sh.helm.release.v1.cache-edge-1a2b3c4d.v1",
        "sh.helm.release.v1.cache-edge-1a2b3c4d.v2",
        "sh.helm.release.v1.other-ns-99999999.v4",
        "sh.helm.release.v1.probe-edge-1a2b3c4d.v1",
    ]


def test_a_pending_install_is_left_alone() -> None:
    api = FakeSecrets(dict([_record("cache-edge-1a2b3c4d", 1, "pending-install")]))
    assert release_pending(api, "locus-ns", ["cache-edge-1a2b3c4d"]) == []
    assert api.deleted == []

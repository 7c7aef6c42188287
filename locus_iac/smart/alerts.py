"""Alertmanager's webhook payload (version 4) and the alerts of the monitoring contract.

Alertmanager POSTs one JSON object per notification of a group: ``{"version": "4",
"status", "receiver", "groupKey", "groupLabels", "commonLabels", "alerts": [...]}``; each
alert has ``status`` (``firing``/``resolved``), ``labels``, ``annotations``, ``startsAt``,
``endsAt`` and ``fingerprint``. The alerts the MANO's Config Manager writes (issue 17
contract) are ``LocusScaleOut``/``LocusScaleIn`` (labels ``ns_id``, ``vnf_member_index``,
``scaling_aspect``, ``scaling_policy``, ``scaling_direction``) and ``LocusTargetDown``
(``ns_id``, ``vnf_member_index``, ``vdu_id``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from locus_iac.errors import Issue, ValidationError

SCALE_OUT = "LocusScaleOut"
SCALE_IN = "LocusScaleIn"
TARGET_DOWN = "LocusTargetDown"


class Alert(BaseModel):
    """One alert of a notification."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    fingerprint: str = ""

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def ns_id(self) -> str | None:
        return self.labels.get("ns_id")

    @property
    def instance_key(self) -> str:
        """This firing of this alert: its fingerprint and when it started."""
        return f"{self.fingerprint}@{self.starts_at.isoformat()}"


class Notification(BaseModel):
    """Alertmanager webhook payload, version 4 (the fields the smart functions read)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: str = ""
    group_key: str = Field(default="", alias="groupKey")
    alerts: tuple[Alert, ...]


def _pointer(location: tuple[str | int, ...]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in location)


def parse_notification(body: bytes) -> Notification:
    """The notification in ``body``, or a :class:`ValidationError` with JSON pointers."""
    try:
        return Notification.model_validate_json(body)
    except PydanticValidationError as exc:
        issues = [
            Issue(_pointer(tuple(err["loc"])), err["type"], err["msg"]) for err in exc.errors()
        ]
        raise ValidationError("not an Alertmanager v4 webhook payload", issues) from None

"""Settings of notification delivery, from the environment (``locus serve`` passes it on).

============================  ============================================================
``LOCUS_NOTIFY_ALLOW``         comma-separated IP addresses or networks (CIDR) a
                               ``callbackUri`` or OAuth2 ``tokenEndpoint`` may resolve to;
                               every address of the host must be inside one (default
                               ``127.0.0.0/8,::1/128``: loopback only). Anything else is
                               refused at subscription time (422) and never called.
``LOCUS_NOTIFY_TIMEOUT``       seconds one HTTP request to a subscriber may take (default 5)
``LOCUS_NOTIFY_INTERVAL``      seconds between two passes of the delivery drain, and the
                               first retry delay (default 1)
``LOCUS_NOTIFY_MAX_BACKOFF``   longest wait between two attempts of one notification
                               (default 300)
``LOCUS_NOTIFY_GIVE_UP``       seconds after which an undeliverable notification is dropped
                               and logged (default 3600)
``LOCUS_NOTIFY_BASE_URL``      base of the ``_links`` in notifications (default
                               ``http://$LOCUS_SERVE_ADDRESS``)
============================  ============================================================
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from locus_iac.errors import Issue, ValidationError
from locus_iac.outbound import Network, parse_allow

_NAMES = {
    "allow": "LOCUS_NOTIFY_ALLOW",
    "timeout": "LOCUS_NOTIFY_TIMEOUT",
    "interval": "LOCUS_NOTIFY_INTERVAL",
    "max_backoff": "LOCUS_NOTIFY_MAX_BACKOFF",
    "give_up": "LOCUS_NOTIFY_GIVE_UP",
    "base_url": "LOCUS_NOTIFY_BASE_URL",
}


class NotifySettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    allow: tuple[Network, ...] = (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    timeout: Annotated[float, Field(gt=0, le=120)] = 5.0
    interval: Annotated[float, Field(gt=0, le=600)] = 1.0
    max_backoff: Annotated[float, Field(gt=0, le=86_400)] = 300.0
    give_up: Annotated[float, Field(gt=0, le=7 * 86_400)] = 3600.0
    base_url: str = "http://127.0.0.1:8080"

    @field_validator("allow", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_allow(value)
        return value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotifySettings:
        source = os.environ if env is None else env
        values: dict[str, str] = {k: source[v] for k, v in _NAMES.items() if source.get(v)}
        if "base_url" not in values and source.get("LOCUS_SERVE_ADDRESS"):
            values["base_url"] = f"http://{source['LOCUS_SERVE_ADDRESS']}"
        try:
            return cls.model_validate(values)
        except (PydanticValidationError, ValueError) as exc:
            errors = exc.errors() if isinstance(exc, PydanticValidationError) else []
            issues = [
                Issue(
                    "/" + _NAMES.get(str(e["loc"][0]), str(e["loc"][0])),
                    "invalid-setting",
                    e["msg"],
                )
                for e in errors
            ] or [Issue("/LOCUS_NOTIFY_ALLOW", "invalid-setting", str(exc))]
            raise ValidationError("invalid notification settings", issues) from None

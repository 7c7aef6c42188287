"""Subscription requests and representations of SOL005 v3.7.1: ``NsdmSubscriptionRequest``
(clause 5.5.2.7), ``PkgmSubscriptionRequest`` (9.5.2.4), ``LccnSubscriptionRequest``
(6.5.2.2) and ``SubscriptionAuthentication`` (SOL013 v3.4.1 clause 8.3.4).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic.alias_generators import to_camel

from locus_iac.notifications.filters import LccnFilter, NsdmFilter, PkgmFilter

Text = Annotated[str, Field(min_length=1, max_length=1024)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


def http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http or https URI")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials: use authentication")
    if parts.fragment:
        raise ValueError("must not have a fragment")
    return value


class ParamsBasic(_Body):
    user_name: Text
    password: SecretStr = Field(min_length=1, max_length=1024)


class ParamsOauth2(_Body):
    client_id: Text
    client_password: SecretStr = Field(min_length=1, max_length=1024)
    token_endpoint: Annotated[str, Field(min_length=1, max_length=2048)]

    _url = field_validator("token_endpoint")(http_url)


class SubscriptionAuthentication(_Body):
    """``SubscriptionAuthentication`` (SOL013 v3.4.1 clause 8.3.4); ``TLS_CERT`` is not
    supported (422)."""

    auth_type: Annotated[list[Literal["BASIC", "OAUTH2_CLIENT_CREDENTIALS"]], Field(min_length=1)]
    params_basic: ParamsBasic | None = None
    params_oauth2_client_credentials: ParamsOauth2 | None = None

    @model_validator(mode="after")
    def _params(self) -> SubscriptionAuthentication:
        if "BASIC" in self.auth_type and self.params_basic is None:
            raise ValueError("authType BASIC needs paramsBasic")
        if (
            "OAUTH2_CLIENT_CREDENTIALS" in self.auth_type
            and self.params_oauth2_client_credentials is None
        ):
            raise ValueError(
                "authType OAUTH2_CLIENT_CREDENTIALS needs paramsOauth2ClientCredentials"
            )
        return self

    def sealed(self) -> dict[str, Any]:
        """The document stored encrypted (secrets in clear, for the SecretBox only)."""
        doc: dict[str, Any] = {"authType": list(self.auth_type)}
        if self.params_basic is not None:
            doc["paramsBasic"] = {
                "userName": self.params_basic.user_name,
                "password": self.params_basic.password.get_secret_value(),
            }
        oauth = self.params_oauth2_client_credentials
        if oauth is not None:
            doc["paramsOauth2ClientCredentials"] = {
                "clientId": oauth.client_id,
                "clientPassword": oauth.client_password.get_secret_value(),
                "tokenEndpoint": oauth.token_endpoint,
            }
        return doc


class _Request(_Body):
    callback_uri: Annotated[str, Field(min_length=1, max_length=2048)]
    authentication: SubscriptionAuthentication | None = None

    _url = field_validator("callback_uri")(http_url)


class NsdmSubscriptionRequest(_Request):
    filter: NsdmFilter | None = None


class PkgmSubscriptionRequest(_Request):
    filter: PkgmFilter | None = None


class LccnSubscriptionRequest(_Request):
    filter: LccnFilter | None = None
    verbosity: Literal["FULL", "SHORT"] | None = None


SubscriptionRequest = NsdmSubscriptionRequest | PkgmSubscriptionRequest | LccnSubscriptionRequest


class Link(BaseModel):
    href: str


class Subscription(BaseModel):
    """``NsdmSubscription`` / ``PkgmSubscription`` / ``LccnSubscription``: never the
    ``authentication`` (SOL005: it shall not be returned)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    filter: dict[str, Any] | None = None
    callback_uri: str = Field(alias="callbackUri")
    verbosity: str | None = None
    links: dict[str, Link] = Field(alias="_links")

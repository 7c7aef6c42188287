"""An OpenStack VIM account as the MANO uses it: Keystone v3 coordinates and credentials.

:class:`OpenStackAccount` is built from a registration (:class:`VimAccountIn`, OSM field
names) or from what the catalogue stores (public settings + the sealed ``vim_password``).
It is what :func:`locus_iac.sites.keystone.check_account` checks at registration and what
:func:`locus_iac.sites.clouds.write_clouds_yaml` writes for the Pulumi program at each
operation. Secrets are :class:`pydantic.SecretStr`: ``repr`` and logs show ``**********``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, SecretStr

from locus_iac.catalogue.site_accounts import Interface, VimAccountIn, VimConfig
from locus_iac.errors import Issue, ValidationError

DEFAULT_DOMAIN_ID = "default"
"""The id of Keystone's ``Default`` domain: used when a registration names no domain."""


def keystone_v3_url(vim_url: str) -> str:
    """The Identity v3 root of ``vim_url`` (``.../v3``): an unversioned URL gets ``/v3``.

    Raises :class:`ValidationError` at ``/vim_url`` for a v2.0 URL or one without a host.
    """
    try:
        parts = urlsplit(vim_url.strip())
        host, _ = parts.hostname, parts.port
    except ValueError:
        host = None
        parts = urlsplit("")
    path = parts.path.rstrip("/")
    issue: Issue | None = None
    if parts.scheme not in ("http", "https") or not host:
        issue = Issue("/vim_url", "bad-url", f"{vim_url!r} is not an http(s) URL with a host")
    elif path.endswith("/v2.0") or path.endswith("/v2"):
        issue = Issue("/vim_url", "unsupported-version", "Keystone v2 is gone: give the v3 URL")
    if issue is not None:
        raise ValidationError("the VIM account's auth URL cannot be used", [issue])
    if not path.endswith("/v3"):
        path = f"{path}/v3"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class OpenStackAccount(BaseModel):
    """Keystone v3 coordinates of one VIM account (clouds.yaml ``auth`` plus options)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    auth_url: str
    username: str
    password: SecretStr | None = None
    application_credential_id: str | None = None
    application_credential_secret: SecretStr | None = None
    project_name: str
    project_id: str | None = None
    user_domain_name: str | None = None
    user_domain_id: str | None = None
    project_domain_name: str | None = None
    project_domain_id: str | None = None
    region_name: str | None = None
    interface: Interface = Interface.PUBLIC
    ca_cert: str | None = None
    insecure: bool = False

    @property
    def uses_application_credential(self) -> bool:
        return self.application_credential_id is not None

    @property
    def secret(self) -> str:
        """The password or the application credential's secret (for the check and files)."""
        value = self.application_credential_secret or self.password
        return value.get_secret_value() if value is not None else ""

    @classmethod
    def from_registration(cls, vim: VimAccountIn) -> OpenStackAccount:
        return cls._build(
            vim.name, vim.vim_url, vim.vim_tenant_name, vim.vim_user, vim.vim_password, vim.config
        )

    @classmethod
    def from_stored(
        cls, name: str, public: dict[str, Any], secret: dict[str, Any]
    ) -> OpenStackAccount:
        """From a catalogue row's public settings and its opened secret document."""
        config = VimConfig.model_validate(public.get("config") or {})
        return cls._build(
            name,
            str(public["vim_url"]),
            str(public["vim_tenant_name"]),
            str(public["vim_user"]),
            SecretStr(str(secret["vim_password"])),
            config,
        )

    @classmethod
    def _build(
        cls,
        name: str,
        url: str,
        project: str,
        user: str,
        secret: SecretStr,
        config: VimConfig,
    ) -> OpenStackAccount:
        app_cred = config.application_credential_id
        named_domain = config.user_domain_name or config.user_domain_id
        named_project_domain = config.project_domain_name or config.project_domain_id
        return cls(
            name=name,
            auth_url=keystone_v3_url(url),
            username=user,
            password=None if app_cred else secret,
            application_credential_id=app_cred,
            application_credential_secret=secret if app_cred else None,
            project_name=project,
            project_id=config.project_id,
            user_domain_name=config.user_domain_name,
            user_domain_id=config.user_domain_id or (None if named_domain else DEFAULT_DOMAIN_ID),
            project_domain_name=config.project_domain_name,
            project_domain_id=config.project_domain_id
            or (None if named_project_domain else DEFAULT_DOMAIN_ID),
            region_name=config.region_name,
            interface=config.endpoint_interface,
            ca_cert=config.ca_cert_content,
            insecure=config.insecure,
        )

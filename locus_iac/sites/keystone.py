"""Checking an OpenStack VIM account against Keystone v3 before it is registered.

:func:`check_account` asks Keystone (``POST {auth_url}/auth/tokens``) for tokens the way the
Pulumi provider will, and refuses the account with a :class:`ValidationError` whose issues
name the field at fault (JSON pointers into the ``/admin/v1/vim_accounts`` body):

=============================  =======================  ========================================
what                           pointer                  code
=============================  =======================  ========================================
no answer, timeout, TLS error  ``/vim_url``             ``unreachable``, ``timeout``, ``tls``
not a Keystone v3 answer       ``/vim_url``             ``not-keystone``, ``keystone-error``
password refused (401)         ``/vim_password``        ``wrong-credentials``
project unknown / no role      ``/vim_tenant_name``     ``unknown-project``
roles lack member or admin     ``/vim_user``            ``missing-role``
service missing in catalog     ``/vim_url``             ``missing-service``
... only in another region     ``/config/region_name``  ``unknown-region``
=============================  =======================  ========================================

With a password, an unscoped token first tells a wrong user/password/domain (401) from a
project the user cannot use (401 on the project-scoped request). An application credential
is scoped by itself: a 401 points at ``/vim_password`` (its secret), a project other than
``vim_tenant_name``/``config.project_id`` at ``/vim_tenant_name``.

Roles: the NS stacks create networks, subnets, routers, ports, security groups, key pairs,
images and servers in the project, which Keystone's default roles allow to ``member``;
``admin`` implies ``member``. A project ``reader`` is refused. (Creating flavors, which the
NS stack does unless it matches existing ones, is admin-only in Nova's default policy: that
is not required here, since operators commonly pre-create flavors.)

The tokens obtained are revoked afterwards (best effort). Transport errors of httpx are
translated here, once; neither the password nor a token is ever logged or put in a message.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from locus_iac.errors import Issue, ValidationError
from locus_iac.sites.openstack import OpenStackAccount

log = logging.getLogger(__name__)

REQUIRED_SERVICES = ("identity", "compute", "network", "image")
"""Catalog service types the NS stacks use (Keystone, Nova, Neutron, Glance)."""
ACCEPTED_ROLES = frozenset({"member", "admin"})
"""Any one of these roles on the project is enough (see the module docstring)."""
DEFAULT_TIMEOUT = 10.0
"""Seconds for each Keystone request (connect: at most 3); token issuance is slow on small hosts."""


@dataclass(frozen=True)
class KeystoneCheck:
    """What Keystone said about a working account."""

    project_id: str
    project_name: str
    roles: tuple[str, ...]
    services: tuple[str, ...]


def _refused(code: str, where: str, message: str) -> ValidationError:
    return ValidationError("the VIM account does not work", [Issue(where, code, message)])


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextmanager
def _transport_errors(url: str) -> Iterator[None]:
    """httpx transport errors as :class:`ValidationError` at ``/vim_url``."""
    try:
        yield
    except httpx.InvalidURL:
        raise _refused("bad-url", "/vim_url", f"{url} is not a valid URL") from None
    except httpx.TimeoutException:
        raise _refused("timeout", "/vim_url", f"Keystone at {url} did not answer in time") from None
    except httpx.TransportError as exc:
        if _is_tls(exc):
            raise _refused(
                "tls",
                "/vim_url",
                f"TLS with {url} failed (certificate not trusted?): give the CA as "
                "config.ca_cert_content, or config.insecure",
            ) from None
        raise _refused(
            "unreachable", "/vim_url", f"cannot reach Keystone at {url}: {type(exc).__name__}"
        ) from None


def _keystone_message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        return str(error.get("message", ""))[:300]
    except (ValueError, AttributeError):
        return ""


class _Keystone:
    """One conversation with Keystone (an httpx client and the tokens to revoke)."""

    def __init__(self, account: OpenStackAccount, client: httpx.Client) -> None:
        self.account = account
        self.client = client
        self.tokens: list[str] = []

    def token(self, identity: dict[str, Any], scope: dict[str, Any] | None) -> httpx.Response:
        auth: dict[str, Any] = {"identity": identity}
        if scope is not None:
            auth["scope"] = scope
        url = f"{self.account.auth_url}/auth/tokens"
        with _transport_errors(self.account.auth_url):
            response = self.client.post(url, json={"auth": auth})
        if response.status_code == 201 and response.headers.get("X-Subject-Token"):
            self.tokens.append(response.headers["X-Subject-Token"])
        elif response.status_code != 401 or "json" not in response.headers.get("content-type", ""):
            raise _unexpected(self.account.auth_url, response)
        return response

    def revoke(self) -> None:
        for token in self.tokens:
            headers = {"X-Auth-Token": token, "X-Subject-Token": token}
            try:
                self.client.delete(f"{self.account.auth_url}/auth/tokens", headers=headers)
            except httpx.HTTPError as exc:
                log.info(
                    "revoking a check token at %s failed: %s",
                    self.account.auth_url,
                    type(exc).__name__,
                )


def _unexpected(url: str, response: httpx.Response) -> ValidationError:
    if response.status_code >= 500:
        return _refused(
            "keystone-error", "/vim_url", f"Keystone at {url} answered {response.status_code}"
        )
    if response.status_code == 400:
        return _refused(
            "keystone-rejected",
            "/config",
            f"Keystone at {url} rejected the request: {_keystone_message(response)}",
        )
    return _refused(
        "not-keystone",
        "/vim_url",
        f"{url} does not answer like Keystone v3 (HTTP {response.status_code} to "
        "POST /auth/tokens): give the Identity v3 URL",
    )


def _domain(name: str | None, ident: str | None) -> dict[str, str]:
    return {"id": ident} if ident else {"name": name or ""}


def _password_identity(account: OpenStackAccount) -> dict[str, Any]:
    user = {
        "name": account.username,
        "password": account.secret,
        "domain": _domain(account.user_domain_name, account.user_domain_id),
    }
    return {"methods": ["password"], "password": {"user": user}}


def _project_scope(account: OpenStackAccount) -> dict[str, Any]:
    if account.project_id:
        return {"project": {"id": account.project_id}}
    domain = _domain(account.project_domain_name, account.project_domain_id)
    return {"project": {"name": account.project_name, "domain": domain}}


def _scoped_token(keystone: _Keystone) -> dict[str, Any]:
    """The project-scoped token body (the checks above it raise with the right pointer)."""
    account = keystone.account
    if account.uses_application_credential:
        identity = {
            "methods": ["application_credential"],
            "application_credential": {
                "id": account.application_credential_id,
                "secret": account.secret,
            },
        }
        response = keystone.token(identity, None)
        if response.status_code != 201:
            raise _refused(
                "wrong-credentials",
                "/vim_password",
                f"Keystone refused application credential {account.application_credential_id}"
                f" (HTTP {response.status_code}): wrong id or secret, expired or deleted",
            )
        return _body(account.auth_url, response)
    identity = _password_identity(account)
    if keystone.token(identity, None).status_code != 201:
        raise _refused(
            "wrong-credentials",
            "/vim_password",
            f"Keystone refused user {account.username!r} (HTTP 401): wrong password, user or "
            "user domain",
        )
    response = keystone.token(identity, _project_scope(account))
    if response.status_code != 201:
        which = account.project_id or account.project_name
        raise _refused(
            "unknown-project",
            "/vim_tenant_name",
            f"user {account.username!r} cannot use project {which!r} (HTTP "
            f"{response.status_code}): no such project in that domain, or no role on it",
        )
    return _body(account.auth_url, response)


def _body(url: str, response: httpx.Response) -> dict[str, Any]:
    try:
        token = response.json()["token"]
        if isinstance(token, dict):
            return token
    except (ValueError, KeyError, TypeError):
        pass
    raise _refused("not-keystone", "/vim_url", f"{url} answered a token request without a token")


def _project_issues(account: OpenStackAccount, project: dict[str, Any]) -> list[Issue]:
    wanted_id = account.project_id
    got_id, got_name = str(project.get("id", "")), str(project.get("name", ""))
    if (wanted_id and got_id != wanted_id) or (not wanted_id and got_name != account.project_name):
        return [
            Issue(
                "/vim_tenant_name",
                "unknown-project",
                f"the credentials are for project {got_name!r} ({got_id}), not "
                f"{wanted_id or account.project_name!r}",
            )
        ]
    return []


def _role_issues(account: OpenStackAccount, token: dict[str, Any]) -> list[Issue]:
    roles = sorted(str(r.get("name", "")) for r in token.get("roles") or [])
    if ACCEPTED_ROLES & {r.lower() for r in roles}:
        return []
    where = (
        "/config/application_credential_id" if account.uses_application_credential else "/vim_user"
    )
    return [
        Issue(
            where,
            "missing-role",
            f"roles on project {account.project_name!r} are {roles or 'none'}: the NS stacks "
            "need member (or admin)",
        )
    ]


def _endpoint_matches(endpoint: dict[str, Any], account: OpenStackAccount) -> bool:
    if endpoint.get("interface") != account.interface.value:
        return False
    region = account.region_name
    return region is None or region in (endpoint.get("region_id"), endpoint.get("region"))


def _catalog_issues(account: OpenStackAccount, token: dict[str, Any]) -> list[Issue]:
    catalog = [s for s in token.get("catalog") or [] if isinstance(s, dict)]
    usable = {
        s.get("type")
        for s in catalog
        if any(_endpoint_matches(e, account) for e in s.get("endpoints") or [])
    }
    elsewhere = {s.get("type") for s in catalog if s.get("endpoints")}
    missing = [t for t in REQUIRED_SERVICES if t not in usable]
    if not missing:
        return []
    region = account.region_name
    if region is not None and all(t in elsewhere for t in missing):
        return [
            Issue(
                "/config/region_name",
                "unknown-region",
                f"no {account.interface.value} endpoint of {', '.join(missing)} in region "
                f"{region!r}",
            )
        ]
    return [
        Issue(
            "/vim_url",
            "missing-service",
            f"the catalog has no {account.interface.value} endpoint of "
            f"{', '.join(missing)} (the NS stacks need {', '.join(REQUIRED_SERVICES)})",
        )
    ]


def _tls(account: OpenStackAccount) -> ssl.SSLContext | bool:
    if account.insecure:
        return False
    context = ssl.create_default_context()
    if account.ca_cert is not None:
        context.load_verify_locations(cadata=account.ca_cert)
    return context


def check_account(
    account: OpenStackAccount,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> KeystoneCheck:
    """Keystone's view of ``account``; raises :class:`ValidationError` naming the field at
    fault when it does not work for the NS stacks (see the module docstring)."""
    limits = httpx.Timeout(timeout, connect=min(timeout, 3.0))
    with httpx.Client(verify=_tls(account), timeout=limits, transport=transport) as client:
        keystone = _Keystone(account, client)
        try:
            token = _scoped_token(keystone)
        finally:
            keystone.revoke()
    project = token.get("project") or {}
    issues = _project_issues(account, project)
    issues += _role_issues(account, token)
    issues += _catalog_issues(account, token)
    if issues:
        raise ValidationError("the VIM account cannot deploy NS stacks", issues)
    log.info(
        "VIM account %s: Keystone %s accepts user %s on project %s",
        account.name,
        account.auth_url,
        account.username,
        project.get("name"),
    )
    return KeystoneCheck(
        project_id=str(project.get("id", "")),
        project_name=str(project.get("name", "")),
        roles=tuple(sorted(str(r.get("name", "")) for r in token.get("roles") or [])),
        services=tuple(sorted(str(s.get("type")) for s in token.get("catalog") or [])),
    )

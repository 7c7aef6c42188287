"""``clouds.yaml`` from the registered VIM accounts, and back (what the Pulumi program reads).

At each operation the MANO writes the accounts it deploys to into one ``clouds.yaml`` (mode
0600, folder 0700) in the NS instance's work folder, one cloud per VIM account named after
it, with a CA file next to it where the account has one (``cacert``). The format is
openstacksdk's (also read by gophercloud, hence the Terraform/Pulumi OpenStack provider and
the ``openstack`` CLI): ``auth`` with ``auth_url``, ``username``, ``password`` (or
``application_credential_id``/``_secret`` with ``auth_type: v3applicationcredential``),
``project_name``/``project_id`` and the domains; ``region_name``, ``interface``,
``identity_api_version: 3``, ``cacert``, ``verify: false`` (and ``insecure: true``) for an
insecure account. Nothing on the MANO host outside that folder is read.

:func:`read_cloud` reads one cloud back as :class:`CloudSettings`; its
:meth:`CloudSettings.provider_args` are the Pulumi OpenStack provider's arguments, the
secret ones listed in :data:`SECRET_PROVIDER_ARGS` (the program marks them secret).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, SecretStr
from pydantic import ValidationError as PydanticValidationError

from locus_iac.errors import PermanentError
from locus_iac.sites.openstack import OpenStackAccount

CLOUDS_FILE = "clouds.yaml"
SECRET_PROVIDER_ARGS = frozenset({"password", "application_credential_secret"})
_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def file_name(prefix: str, site: str, suffix: str = "") -> str:
    """A file name for ``site`` in a work folder: the name itself when it is a plain file
    name, else a sanitised form with a short hash (never a path separator or ``..``)."""
    if _SAFE.match(site):
        return f"{prefix}-{site}{suffix}"
    digest = hashlib.sha256(site.encode()).hexdigest()[:10]
    plain = re.sub(r"[^A-Za-z0-9_.-]+", "_", site).strip("._")[:40]
    return f"{prefix}-{plain}-{digest}{suffix}"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 (also when the file already exists)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def _cloud(account: OpenStackAccount, cacert: Path | None) -> dict[str, Any]:
    auth: dict[str, Any] = {"auth_url": account.auth_url}
    if account.uses_application_credential:
        auth["application_credential_id"] = account.application_credential_id
        auth["application_credential_secret"] = account.secret
    else:
        auth |= {"username": account.username, "password": account.secret}
        auth |= {"project_name": account.project_name, "project_id": account.project_id}
        auth |= {
            "user_domain_name": account.user_domain_name,
            "user_domain_id": account.user_domain_id,
            "project_domain_name": account.project_domain_name,
            "project_domain_id": account.project_domain_id,
        }
    cloud: dict[str, Any] = {
        "auth_type": "v3applicationcredential"
        if account.uses_application_credential
        else "password",
        "auth": {k: v for k, v in auth.items() if v is not None},
        "identity_api_version": 3,
        "interface": account.interface.value,
        "region_name": account.region_name,
        "cacert": str(cacert) if cacert is not None else None,
    }
    if account.insecure:
        cloud |= {"verify": False, "insecure": True}
    return {k: v for k, v in cloud.items() if v is not None}


def write_clouds_yaml(accounts: Mapping[str, OpenStackAccount], folder: Path) -> Path:
    """``folder/clouds.yaml`` with one cloud per account (keyed by site name), 0600."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    clouds: dict[str, Any] = {}
    for site, account in accounts.items():
        cacert: Path | None = None
        if account.ca_cert is not None:
            cacert = (folder / file_name("cacert", site, ".pem")).resolve()
            write_private(cacert, account.ca_cert)
        clouds[site] = _cloud(account, cacert)
    path = folder / CLOUDS_FILE
    write_private(path, yaml.safe_dump({"clouds": clouds}, sort_keys=True))
    return path.resolve()


class _Auth(BaseModel):
    model_config = ConfigDict(extra="ignore")

    auth_url: str
    username: str | None = None
    password: SecretStr | None = None
    application_credential_id: str | None = None
    application_credential_secret: SecretStr | None = None
    project_name: str | None = None
    project_id: str | None = None
    user_domain_name: str | None = None
    user_domain_id: str | None = None
    project_domain_name: str | None = None
    project_domain_id: str | None = None


class CloudSettings(BaseModel):
    """One cloud of a ``clouds.yaml`` (the keys :func:`write_clouds_yaml` writes)."""

    model_config = ConfigDict(extra="ignore")

    auth: _Auth
    region_name: str | None = None
    interface: str | None = None
    cacert: str | None = None
    verify: bool = True
    insecure: bool = False

    def provider_args(self) -> dict[str, str | bool]:
        """The Pulumi OpenStack provider's arguments (secret ones: SECRET_PROVIDER_ARGS).

        The CA goes in as its PEM text (the provider takes a path or the contents), so that
        the provider works from the stack state alone (destroy) once the file is gone.
        """
        a = self.auth
        args: dict[str, str | bool | None] = {
            "auth_url": a.auth_url,
            "user_name": a.username,
            "tenant_name": a.project_name,
            "tenant_id": a.project_id,
            "user_domain_name": a.user_domain_name,
            "user_domain_id": a.user_domain_id,
            "project_domain_name": a.project_domain_name,
            "project_domain_id": a.project_domain_id,
            "application_credential_id": a.application_credential_id,
            "region": self.region_name,
            "endpoint_type": self.interface,
            "cacert_file": Path(self.cacert).read_text() if self.cacert else None,
        }
        if a.password is not None:
            args["password"] = a.password.get_secret_value()
        if a.application_credential_secret is not None:
            args["application_credential_secret"] = (
                a.application_credential_secret.get_secret_value()
            )
        if self.insecure or not self.verify:
            args["insecure"] = True
        return {k: v for k, v in args.items() if v is not None}


def read_cloud(path: Path, cloud: str) -> CloudSettings:
    """Cloud ``cloud`` of the ``clouds.yaml`` at ``path``."""
    try:
        document = yaml.safe_load(path.read_text())
        entry = (document or {}).get("clouds", {})[cloud]
        return CloudSettings.model_validate(entry)
    except (OSError, yaml.YAMLError, KeyError, AttributeError, PydanticValidationError) as exc:
        raise PermanentError(
            f"cannot read cloud {cloud!r} from {path}: {type(exc).__name__}"
        ) from None

"""Settings of the NBI server, from the environment (``locus serve`` sets them from its flags).

=========================  ===============================================================
``LOCUS_DATA_DIR``          data dir: SQLite catalogue, secret key (default ``./locus-data``)
``LOCUS_DATABASE_URL``      SQLAlchemy URL; default ``sqlite:///<data dir>/locus.db``;
                            PostgreSQL: ``postgresql+psycopg://user:pw@127.0.0.1/db``
``LOCUS_ADMIN_PASSWORD``    password of user ``admin``, needed on the first start only
``LOCUS_SECRET_KEY``        Fernet key for site credentials (else ``<data dir>/secret.key``)
``LOCUS_TOKEN_TTL``         token lifetime in seconds (default 3600)
``LOCUS_PAGE_SIZE``         items per page of a list (default 100)
``LOCUS_MAX_UPLOAD_BYTES``  largest accepted upload (default 64 MiB)
``LOCUS_UPLOAD_WORKERS``    threads that read uploaded packages (default 2)
``LOCUS_THREADS``           threads that run the blocking request handlers, per serving
                            process (default 40, anyio's); fewer means less contention for
                            the GIL under many concurrent requests (issue 19: 4 cut a cached
                            get's CPU by about 30 % at 50 concurrent requests), but as many
                            slow blocking requests at once then delay every other one
``LOCUS_UPLOAD_QUEUE``      uploads that may wait for one of them; more answer 503 (default 32)
``LOCUS_UPLOAD_SECONDS``    wall-time budget of reading one package (default 30)
``LOCUS_BODY_TIMEOUT``      seconds a request body may pause before 408 (default 30)
``LOCUS_LOGIN_FAILURES``    wrong passwords per user before login is throttled (default 5)
``LOCUS_VIM_CHECK``         check VIM accounts against Keystone at registration (default
                            true; ``false`` registers offline, as OSM does)
``LOCUS_FETCH_ALLOW``       addresses ``upload_from_uri`` may fetch from: comma-separated IP
                            addresses or networks (``127.0.0.1,10.20.0.0/16``); default
                            none, so the operation is refused until the operator allows some
``LOCUS_FETCH_SECONDS``     wall-time limit of one ``upload_from_uri`` download (default 60)
=========================  ===============================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic import ValidationError as PydanticValidationError

from locus_iac.errors import Issue, ValidationError
from locus_iac.outbound import Network, parse_allow

MIB = 1024 * 1024


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    data_dir: Path = Path("locus-data")
    database_url: str | None = None
    admin_password: SecretStr | None = None
    secret_key: SecretStr | None = None
    token_ttl: Annotated[int, Field(ge=60, le=30 * 24 * 3600)] = 3600
    page_size: Annotated[int, Field(ge=1, le=10_000)] = 100
    max_upload_bytes: Annotated[int, Field(ge=1024)] = 64 * MIB
    upload_workers: Annotated[int, Field(ge=1, le=64)] = 2
    threads: Annotated[int, Field(ge=1, le=256)] = 40
    upload_queue: Annotated[int, Field(ge=0, le=1024)] = 32
    upload_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    body_timeout: Annotated[float, Field(gt=0, le=3600)] = 30.0
    login_failures: Annotated[int, Field(ge=1, le=1000)] = 5
    vim_check: bool = True
    fetch_allow: tuple[Network, ...] = ()
    fetch_seconds: Annotated[float, Field(gt=0, le=3600)] = 60.0

    @field_validator("fetch_allow", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_allow(value)
        return value

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'locus.db'}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env
        names = {
            "data_dir": "LOCUS_DATA_DIR",
            "database_url": "LOCUS_DATABASE_URL",
            "admin_password": "LOCUS_ADMIN_PASSWORD",
            "secret_key": "LOCUS_SECRET_KEY",
            "token_ttl": "LOCUS_TOKEN_TTL",
            "page_size": "LOCUS_PAGE_SIZE",
            "max_upload_bytes": "LOCUS_MAX_UPLOAD_BYTES",
            "upload_workers": "LOCUS_UPLOAD_WORKERS",
            "threads": "LOCUS_THREADS",
            "upload_queue": "LOCUS_UPLOAD_QUEUE",
            "upload_seconds": "LOCUS_UPLOAD_SECONDS",
            "body_timeout": "LOCUS_BODY_TIMEOUT",
            "login_failures": "LOCUS_LOGIN_FAILURES",
            "vim_check": "LOCUS_VIM_CHECK",
            "fetch_allow": "LOCUS_FETCH_ALLOW",
            "fetch_seconds": "LOCUS_FETCH_SECONDS",
        }
        values = {field: source[var] for field, var in names.items() if source.get(var)}
        try:
            return cls.model_validate(values)
        except PydanticValidationError as exc:
            issues = [
                Issue(
                    "/" + names.get(str(err["loc"][0]), str(err["loc"][0])),
                    "invalid-setting",
                    err["msg"],
                )
                for err in exc.errors()
            ]
            raise ValidationError("invalid server settings", issues) from None

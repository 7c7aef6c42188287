"""Encryption at rest of site credentials (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from ``LOCUS_SECRET_KEY`` when set, else from ``<data-dir>/secret.key``,
created on first use with mode 0600. Losing the key makes stored credentials unreadable
(the sites must then be registered again); it is never logged.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from locus_iac.errors import PermanentError

KEY_FILE = "secret.key"


class SecretBox:
    """Encrypts and decrypts small JSON documents."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise PermanentError("the secret key is not a valid Fernet key") from exc

    @classmethod
    def from_data_dir(cls, data_dir: Path, env_key: str | None = None) -> SecretBox:
        if env_key:
            return cls(env_key.encode())
        path = data_dir / KEY_FILE
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def seal(self, document: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(document).encode())

    def open(self, token: bytes) -> dict[str, Any]:
        try:
            value = json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise PermanentError("stored credentials cannot be decrypted with this key") from exc
        if not isinstance(value, dict):
            raise PermanentError("stored credentials are corrupt")
        return value

"""WireGuard keys for the site-to-site VPN (seed §3.4, Figure 16).

Keys are X25519 (RFC 7748), base64 as ``wg genkey``/``wg pubkey`` print them. The VPN
stack reads each gateway's private key from a secret config value (so it is stable across
``pulumi up`` runs and encrypted in the stack file) and derives the public key here;
:func:`generate_keypair` makes a new pair for ``pulumi config set --secret``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from locus_iac.errors import Issue, ValidationError

_RAW = serialization.Encoding.Raw


@dataclass(frozen=True)
class WireGuardKeyPair:
    """A key pair; ``private_key`` is hidden from ``repr``."""

    public_key: str
    private_key: str = field(repr=False)


def generate_keypair() -> WireGuardKeyPair:
    """A fresh random key pair."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return keypair_from_private(base64.b64encode(raw).decode())


def keypair_from_private(private_key: str, *, where: str = "") -> WireGuardKeyPair:
    """The pair of a base64 private key; raises :class:`ValidationError` (without echoing
    the key) when it is not 32 base64-encoded bytes."""
    try:
        raw = base64.b64decode(private_key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValidationError(
            "not a WireGuard private key",
            [Issue(where, "bad-key", "expected 32 bytes in base64 (the output of wg genkey)")],
        )
    public = X25519PrivateKey.from_private_bytes(raw).public_key()
    public_raw = public.public_bytes(_RAW, serialization.PublicFormat.Raw)
    return WireGuardKeyPair(base64.b64encode(public_raw).decode(), private_key.strip())

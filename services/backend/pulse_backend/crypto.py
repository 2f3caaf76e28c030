"""Encryption at rest for tenant secrets (AI provider credentials), with key
rotation: ``PULSE_BACKEND_ENCRYPTION_KEYS`` is ``<kid>:<urlsafe-base64 32
bytes>,...``; the first key encrypts, every key decrypts. Ciphertexts name
their kid (``v1:<kid>:<base64 nonce+ciphertext>``), AES-256-GCM, with the
caller's context (e.g. tenant and row) bound as associated data so that a
ciphertext copied to another tenant's row does not decrypt."""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pulse_common.errors import InvalidInput, PulseError

VAR = "PULSE_BACKEND_ENCRYPTION_KEYS"


class DecryptionFailed(PulseError):
    code = "decryption_failed"


@dataclass(frozen=True)
class EncryptionKeys:
    active: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, spec: str) -> EncryptionKeys:
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in (p.strip() for p in spec.split(",")):
            kid, sep, b64 = item.partition(":")
            if not sep or not kid or ":" in b64:
                raise InvalidInput(f"{VAR}: each entry must be <kid>:<base64 key>")
            try:
                raw = base64.urlsafe_b64decode(b64)
            except (binascii.Error, ValueError):
                raise InvalidInput(f"{VAR}: key {kid!r} is not base64") from None
            if len(raw) != 32:
                raise InvalidInput(f"{VAR}: key {kid!r} must be 32 bytes, not {len(raw)}")
            if kid in keys:
                raise InvalidInput(f"{VAR}: key id {kid!r} appears twice")
            keys[kid] = raw
            order.append(kid)
        return cls(order[0], keys)

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, plaintext.encode(), context.encode())
        return f"v1:{self.active}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, context: str) -> str:
        try:
            version, kid, b64 = token.split(":", 2)
            blob = base64.b64decode(b64)
            key = self.keys[kid] if version == "v1" else None
        except (ValueError, KeyError, binascii.Error):
            key = None
        if key is None:
            raise DecryptionFailed("ciphertext from an unknown key or format")
        try:
            return AESGCM(key).decrypt(blob[:12], blob[12:], context.encode()).decode()
        except InvalidTag:
            raise DecryptionFailed("ciphertext does not match its key or context") from None

    def needs_reencrypt(self, token: str) -> bool:
        return not token.startswith(f"v1:{self.active}:")

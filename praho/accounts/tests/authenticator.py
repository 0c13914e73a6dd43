"""A software passkey: what a browser and a security key return to a WebAuthn page.

Built from fido2's data classes and an EC P-256 key from `cryptography`, it
answers the creation and request options that allauth's pages hand to the
browser's JavaScript, with "none" attestation, as a platform authenticator
with user verification would.
"""

from __future__ import annotations

import json
import os
from hashlib import sha256
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

ORIGIN = "http://testserver"
FLAGS = AuthenticatorData.FLAG


class SoftwarePasskey:
    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.user_handle: bytes | None = None
        self.rp_id = ""
        self.sign_count = 0

    def create(self, public_key: dict[str, Any], *, origin: str = ORIGIN) -> dict[str, Any]:
        """navigator.credentials.create() for the page's `publicKey` options."""
        self.rp_id = public_key["rp"]["id"]
        self.user_handle = websafe_decode(public_key["user"]["id"])
        cose_key = ES256.from_cryptography_key(self.private_key.public_key())
        auth_data = AuthenticatorData.create(
            sha256(self.rp_id.encode()).digest(),
            FLAGS.UP | FLAGS.UV | FLAGS.AT,
            self.sign_count,
            AttestedCredentialData.create(b"\0" * 16, self.credential_id, cose_key),
        )
        client_data = CollectedClientData.create("webauthn.create", public_key["challenge"], origin)
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "attestationObject": websafe_encode(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(
        self, public_key: dict[str, Any], *, origin: str = ORIGIN, rp_id: str | None = None
    ) -> dict[str, Any]:
        """navigator.credentials.get() for the page's `publicKey` options."""
        assert self.user_handle is not None, "register the passkey first"
        self.sign_count += 1
        auth_data = AuthenticatorData.create(
            sha256((rp_id or public_key.get("rpId") or self.rp_id).encode()).digest(),
            FLAGS.UP | FLAGS.UV,
            self.sign_count,
        )
        client_data = CollectedClientData.create("webauthn.get", public_key["challenge"], origin)
        signature = self.private_key.sign(bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256()))
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
                "userHandle": websafe_encode(self.user_handle),
            },
            "clientExtensionResults": {},
        }


def as_post(credential: dict[str, Any]) -> str:
    return json.dumps(credential)

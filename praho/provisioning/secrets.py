"""Panel credentials and account passwords, sealed under PROVISIONING_SECRET_KEY
(praho.core.sealing): what reaches the database, and the Connection a driver is built with."""

from __future__ import annotations

import json
import secrets
import string

from django.conf import settings

from praho.core.sealing import seal, unseal
from praho.provisioning.gateways.base import Connection
from praho.provisioning.models import Server

SETTING = "PROVISIONING_SECRET_KEY"
PASSWORD_LENGTH = 20
# Letters and digits plus symbols every panel accepts in a password and no shell or URL mangles.
SYMBOLS = "-_.+="


def seal_credentials(username: str, secret: str) -> str:
    return seal(json.dumps({"username": username, "secret": secret}), setting=SETTING)


def credentials_of(server: Server) -> tuple[str, str]:
    values = json.loads(unseal(server.credentials_sealed, setting=SETTING))
    return values["username"], values["secret"]


def connection_of(server: Server) -> Connection:
    username, secret = credentials_of(server)
    return Connection(
        panel=server.panel,
        base_url=server.base_url,
        username=username,
        secret=secret,
        verify_tls=server.verify_tls,
        node=server.node,
        storage=server.storage,
        timeout=float(getattr(settings, "PROVISIONING_HTTP_TIMEOUT", 30)),
    )


def new_password() -> str:
    """A random password with at least one lower case letter, upper case letter, digit and symbol
    (panels' password rules ask for them)."""
    alphabet = string.ascii_letters + string.digits + SYMBOLS
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(PASSWORD_LENGTH))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
            and any(c in SYMBOLS for c in password)
        ):
            return password


def seal_password(password: str) -> str:
    return seal(password, setting=SETTING)


def unseal_password(sealed: str) -> str:
    return unseal(sealed, setting=SETTING) if sealed else ""

"""What PRAHO keeps of its connection to ANAF: the OAuth2 tokens and the pending authorizations.

The document submissions and their states live beside these (added with the submission
state machine); the tokens are shared by every submission.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnafToken(models.Model):
    """ANAF's tokens for one OAuth client (the application registered at ANAF).

    One row per client id: a refresh token only works with the client it was issued to,
    so changing EFACTURA_CLIENT_ID means connecting again. The tokens are stored only as
    Fernet ciphertext (praho.efactura.tokens encrypts and decrypts them with
    EFACTURA_TOKEN_KEY); a database dump alone does not let anyone act at ANAF for us.
    """

    client_id = models.CharField(_("client id"), max_length=200, unique=True)
    access_token_encrypted = models.TextField(_("access token (encrypted)"))
    refresh_token_encrypted = models.TextField(_("refresh token (encrypted)"))
    scope = models.CharField(_("scope"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("access token expires"))
    refresh_expires_at = models.DateTimeField(_("refresh token expires"), null=True, blank=True)
    obtained_at = models.DateTimeField(_("obtained"))
    obtained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refreshed_at = models.DateTimeField(_("last refreshed"), null=True, blank=True)
    # The last failed refresh, cleared by the next success: shown on the staff page, since
    # uploads stop once the access token expires.
    refresh_failed_at = models.DateTimeField(_("refresh failed"), null=True, blank=True)
    refresh_error = models.TextField(_("refresh error"), blank=True)

    class Meta:
        verbose_name = _("ANAF token")
        verbose_name_plural = _("ANAF tokens")
        permissions = [("manage_anaf", _("Can connect PRAHO to ANAF e-Factura"))]

    def __str__(self) -> str:
        return f"ANAF token ({self.client_id})"


class OAuthState(models.Model):
    """One authorization started at ANAF: the `state` sent there must come back to the callback.

    It ties the callback to the staff user who started it, is used once and expires, so a
    forged or replayed callback (login CSRF) cannot plant someone else's tokens.
    """

    state = models.CharField(_("state"), max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("ANAF authorization request")
        verbose_name_plural = _("ANAF authorization requests")

    def __str__(self) -> str:
        return f"ANAF authorization by {self.created_by_id} at {self.created_at:%Y-%m-%d %H:%M}"

"""The seller: our own company as printed on every document."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SellerProfile(models.Model):
    """One version of the seller's data. Admins change it by adding a version;
    every issued document points at the version in force when it was issued."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=255)
    tax_id = models.CharField(
        _("CUI"), max_length=32, help_text=_("With RO for a VAT payer, e.g. RO18547290.")
    )
    trade_register_number = models.CharField(_("trade register number"), max_length=32)
    street = models.CharField(_("street"), max_length=255)
    city = models.CharField(_("city"), max_length=128)
    county = models.CharField(_("county"), max_length=8, help_text=_("ISO 3166-2:RO code, e.g. RO-B."))
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    country = models.CharField(_("country"), max_length=2, default="RO")
    iban = models.CharField(_("IBAN"), max_length=34)
    bank_name = models.CharField(_("bank"), max_length=128)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    vat_payer = models.BooleanField(_("VAT payer"), default=True)
    vat_on_cash_basis = models.BooleanField(_("VAT on cash basis (TVA la încasare)"), default=False)
    oss_registered = models.BooleanField(
        _("registered for OSS"),
        default=False,
        help_text=_("EU consumers are charged their own country's VAT."),
    )
    valid_from = models.DateTimeField(_("valid from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("seller profile")
        verbose_name_plural = _("seller profiles")
        ordering = ("-version",)

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

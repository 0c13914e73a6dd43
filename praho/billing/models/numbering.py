"""Document series and their counters: where gap-free document numbers come from.

A series (e.g. "PRH" for invoices) says how a number looks and whether it restarts
every year; a counter holds the last number taken in one series and year. Numbers are
taken only through `praho.billing.services.numbering.next_number`, which locks the counter row
inside the caller's transaction.
"""

from __future__ import annotations

import re
import string
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from praho.billing.models.documents import DocumentType

DEFAULT_NUMBER_FORMAT = "{code}-{year}-{number:06d}"
# The length of Document.number, which holds the formatted number (a test keeps them equal).
NUMBER_MAX_LENGTH = 32
# A format must still fit NUMBER_MAX_LENGTH with a number this large.
_LARGEST_SEQUENCE = 9_999_999
PLACEHOLDERS = ("code", "year", "number")
# An integer width such as "06d", "6" or "d"; anything else (".2f", "x", "<10") is refused,
# so distinct numbers always render as distinct strings.
_INTEGER_SPEC = re.compile(r"^0?\d{0,2}d?$")


def number_format_placeholders(value: str) -> set[str]:
    """The placeholders a format uses; ValidationError (without a field) when it is not acceptable."""
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as error:
        raise ValidationError(
            _("The number format has unbalanced braces: %(error)s."),
            code="malformed_format",
            params={"error": str(error)},
        ) from error
    used: set[str] = set()
    for _literal, field_name, format_spec, conversion in parts:
        if field_name is None:
            continue
        if field_name not in PLACEHOLDERS:
            raise ValidationError(
                _("Unknown placeholder {%(name)s} in the number format; use {code}, {year} and {number}."),
                code="unknown_placeholder",
                params={"name": field_name},
            )
        if (
            conversion is not None
            or not _INTEGER_SPEC.match(format_spec or "")
            or (field_name == "code" and format_spec)
        ):
            raise ValidationError(
                _(
                    "The placeholder {%(name)s} has an unsupported format; "
                    "write it as {%(name)s} or with a width such as {number:06d}."
                ),
                code="bad_format_spec",
                params={"name": field_name},
            )
        used.add(field_name)
    if "number" not in used:
        raise ValidationError(
            _("The number format must contain {number}, e.g. {code}-{year}-{number:06d}."),
            code="format_without_number",
        )
    return used


def validate_number_format(value: str) -> None:
    """Field validator: {number}, and only the placeholders and widths a number can use."""
    number_format_placeholders(value)


def render_number(number_format: str, *, code: str, year: int, sequence: int) -> str:
    return number_format.format(code=code, year=year, number=sequence)


class DocumentSeries(models.Model):
    """How the numbers of one kind of document look, and whether they restart each year.

    Code, document type and yearly restart are frozen once a number has been taken:
    changing them would let a new number repeat one already issued.
    """

    code = models.CharField(
        _("code"),
        max_length=16,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9]+$",
                _("Use capital letters and digits only, e.g. PRH."),
                code="invalid_code",
            )
        ],
        help_text=_("Printed in every number, e.g. PRH."),
    )
    document_type = models.CharField(_("document type"), max_length=16, choices=DocumentType.choices)
    format = models.CharField(
        _("number format"),
        max_length=64,
        default=DEFAULT_NUMBER_FORMAT,
        validators=[validate_number_format],
        help_text=_("Placeholders: {code}, {year} and {number} (with a width, e.g. {number:06d})."),
    )
    yearly_restart = models.BooleanField(
        _("restart every year"),
        default=False,
        help_text=_("Numbering starts again at 1 on January 1 (by the document's issue date)."),
    )
    is_default = models.BooleanField(
        _("default for its document type"),
        default=False,
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    FROZEN_ONCE_USED = ("code", "document_type", "yearly_restart")

    class Meta:
        verbose_name = _("document series")
        verbose_name_plural = _("document series")
        ordering = ("document_type", "code")
        constraints = [
            models.UniqueConstraint(
                fields=["document_type"],
                condition=Q(is_default=True),
                name="billing_one_default_series_per_type",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(active=True),
                name="billing_default_series_is_active",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuses (ValidationError per field) a format without {number} or one the series cannot use."""
        errors = self._invariant_errors()
        checked = {"code", "document_type", "format"}
        try:
            self.clean_fields(
                exclude=[field.name for field in self._meta.fields if field.name not in checked]
            )
        except ValidationError as error:
            for name, messages in error.error_dict.items():
                errors.setdefault(name, ValidationError(messages))
        if errors:
            raise ValidationError(errors)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = self._invariant_errors()
        if errors:
            raise ValidationError(errors)

    def _invariant_errors(self) -> dict[str, ValidationError]:
        errors: dict[str, ValidationError] = {}
        try:
            placeholders = number_format_placeholders(self.format)
        except ValidationError:
            placeholders = None  # reported by the field validator
        if placeholders is not None and self.yearly_restart and "year" not in placeholders:
            errors["format"] = ValidationError(
                _("A series that restarts every year needs {year} in its format, or numbers would repeat."),
                code="yearly_without_year",
            )
        elif placeholders is not None:
            longest = render_number(self.format, code=self.code, year=9999, sequence=_LARGEST_SEQUENCE)
            if len(longest) > NUMBER_MAX_LENGTH:
                errors["format"] = ValidationError(
                    _(
                        "Numbers in this format reach %(length)d characters, such as %(example)s; "
                        "at most %(limit)d fit on a document."
                    ),
                    code="format_too_long",
                    params={"length": len(longest), "example": longest, "limit": NUMBER_MAX_LENGTH},
                )
        if self.pk is not None and self.has_issued_numbers():
            stored = DocumentSeries.objects.filter(pk=self.pk).values(*self.FROZEN_ONCE_USED).first()
            for name in self.FROZEN_ONCE_USED:
                if stored is not None and stored[name] != getattr(self, name):
                    errors[name] = ValidationError(
                        _("This cannot change once numbers have been issued in the series."),
                        code="series_in_use",
                    )
        return errors

    def has_issued_numbers(self) -> bool:
        """Whether a number has been taken in this series (committed, or by this very transaction)."""
        return SeriesCounter.objects.filter(series_id=self.pk, last_number__gt=0).exists()

    def format_number(self, *, year: int, sequence: int) -> str:
        return render_number(self.format, code=self.code, year=year, sequence=sequence)


class SeriesCounter(models.Model):
    """The last number taken in a series for one year (year 0 when the series never restarts)."""

    series = models.ForeignKey(DocumentSeries, on_delete=models.PROTECT, related_name="counters")
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)
    # The date of the document that took the last number: the next one may not be dated earlier,
    # so that a series' numbers follow its documents' dates (checked under the counter's lock).
    last_date = models.DateField(_("date of the last number"), null=True, blank=True)

    class Meta:
        verbose_name = _("series counter")
        verbose_name_plural = _("series counters")
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="billing_one_counter_per_series_year"),
        ]

    def __str__(self) -> str:
        return f"{self.series_id}/{self.year}: {self.last_number}"

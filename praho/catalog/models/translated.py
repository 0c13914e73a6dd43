"""Names and descriptions kept in English, Romanian and Bulgarian, shown in the reader's language."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("en", "ro", "bg")


def _language() -> str:
    return (get_language() or "en")[:2]


class Translated(models.Model):
    """`name_en`/`name_ro`/`name_bg` and the same for the description; English is required and
    stands in for a missing translation."""

    name_en = models.CharField(_("name (English)"), max_length=120)
    name_ro = models.CharField(_("name (Romanian)"), max_length=120, blank=True)
    name_bg = models.CharField(_("name (Bulgarian)"), max_length=120, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=2000, blank=True)
    description_ro = models.TextField(_("description (Romanian)"), max_length=2000, blank=True)
    description_bg = models.TextField(_("description (Bulgarian)"), max_length=2000, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return translated(self, "name")

    @property
    def description(self) -> str:
        return translated(self, "description")


def translated(row: Any, field: str, language: str | None = None) -> str:
    """The field in `language` (the active one by default), else in English."""
    language = language or _language()
    value = getattr(row, f"{field}_{language}", "") if language in LANGUAGES else ""
    return value or getattr(row, f"{field}_en")

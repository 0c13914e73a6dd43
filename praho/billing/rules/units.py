"""Units of measure: UN/ECE Recommendation 20 codes (as e-Factura wants) with their names."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

UNIT_CODES: dict[str, Promise] = {
    "H87": gettext_lazy("piece"),
    "C62": gettext_lazy("unit"),
    "MON": gettext_lazy("month"),
    "ANN": gettext_lazy("year"),
    "DAY": gettext_lazy("day"),
    "HUR": gettext_lazy("hour"),
    "E34": gettext_lazy("GB"),
}

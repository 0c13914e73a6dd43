"""Strict reading of API input.

Numbers only in ASCII digits (StrictDecimalField, StrictIntegerField), text without control
characters (LineField, TextField), dates in range (BoundedDateField), and a body's keys the
endpoint does not take refused (`unknown_field`, unknown_fields()), never silently ignored.
validated() parses a body or a query with one serializer and raises its errors as the services
raise theirs, so a client reads one error shape whoever found the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings

from praho.core.api.errors import UNKNOWN_FIELD
from praho.core.numbers import is_plain_decimal, is_plain_integer
from praho.core.validation import validate_date_range, validate_multiline, validate_single_line


class StrictDecimalField(serializers.DecimalField):
    """A decimal in ASCII digits with one optional sign and one decimal point ("121.50", 121.5);
    DRF's DecimalField also reads "1_000", fullwidth or Arabic-Indic digits and "1e3" (praho.core.numbers)."""

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, str | int | float | Decimal):
            self.fail("invalid")
        if not is_plain_decimal(str(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer in ASCII digits with one optional sign ("12", 12); DRF's IntegerField also
    reads "1_000", fullwidth or Arabic-Indic digits and "12.0"."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        if not is_plain_integer(str(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


def unknown_fields(serializer: serializers.Field[Any, Any, Any, Any] | None, data: Any) -> Any:
    """An `unknown_field` error for each key of `data` the serializer takes no value for (not
    a field of it, or a read-only one), in nested serializers and lists too, nested as DRF nests
    its errors; None when there is none."""
    if isinstance(serializer, serializers.ListSerializer):
        if not isinstance(data, list):
            return None
        items = [unknown_fields(serializer.child, item) for item in data]
        return [item or {} for item in items] if any(items) else None
    if not isinstance(serializer, serializers.Serializer) or not isinstance(data, Mapping):
        return None
    writable = {name: field for name, field in serializer.fields.items() if not field.read_only}
    # Keys the serializer refuses in its own words (in validate()), with a more useful message.
    explained: frozenset[str] = getattr(serializer, "explained_keys", frozenset())
    errors: dict[str, Any] = {}
    for key in data:
        field = writable.get(key)
        if key in explained:
            continue
        if field is None:
            message = _("This field is not accepted here; remove it.")
            errors[key] = [ErrorDetail(message, code=UNKNOWN_FIELD)]
        elif nested := unknown_fields(field, data[key]):
            errors[key] = nested
    return errors or None


def refuse_unknown_fields(serializer: serializers.BaseSerializer[Any], data: Any) -> None:
    """A 400 (`unknown_field`) naming every key of `data` the serializer does not take."""
    errors = unknown_fields(serializer, data)
    if errors:
        raise exceptions.ValidationError(errors)


class KnownFieldsOnly(serializers.Serializer[Any]):
    """A serializer that refuses keys it does not take before validating anything, for views
    that call is_valid() themselves (simplejwt's, DRF's generic views)."""

    def is_valid(self, *, raise_exception: bool = False) -> bool:
        # Raised whatever raise_exception says: the views using this all raise.
        refuse_unknown_fields(self, getattr(self, "initial_data", None))
        return super().is_valid(raise_exception=raise_exception)


class LineField(serializers.CharField):
    """One line of text: no control characters, no line breaks (names, codes, descriptions)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_single_line)


class TextField(serializers.CharField):
    """Text of several lines (notes): no control characters but tabs and line breaks."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_multiline)


class BoundedDateField(serializers.DateField):
    """A date between core.validation.EARLIEST_DATE and LATEST_DATE."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_date_range)


def _flat(detail: Any, prefix: str = "") -> dict[str, list[DjangoValidationError]]:
    """A serializer's errors keyed like the services' ("lines.0.quantity")."""
    if isinstance(detail, dict):
        flat: dict[str, list[DjangoValidationError]] = {}
        for key, value in detail.items():
            # A list's own error ("This list may not be empty.") belongs to the list's field.
            nested = prefix if key == api_settings.NON_FIELD_ERRORS_KEY and prefix else f"{prefix}{key}."
            flat.update(_flat(value, nested))
        return flat
    if any(isinstance(item, dict) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flat(item, f"{prefix}{index}."))
        return flat
    return {prefix.rstrip("."): [DjangoValidationError(str(item), code=item.code) for item in detail]}


def validated(
    serializer_class: type[serializers.Serializer[Any]], data: Any, *, query: bool = False, **kwargs: Any
) -> dict[str, Any]:
    """The serializer's values; its errors raised as the services raise theirs (one error shape).

    A body's keys the serializer does not take are refused first (`unknown_field`), nested ones
    too; query parameters (`query`) may carry others, such as page and page_size. `kwargs` go to
    the serializer (partial=True for a PATCH).
    """
    serializer = serializer_class(data=data, **kwargs)
    errors = None if query else unknown_fields(serializer, data)
    if errors is None and not serializer.is_valid():
        errors = serializer.errors
    if errors:
        raise DjangoValidationError(_flat(errors))
    return dict(serializer.validated_data)


def refused(field: str, message: str, code: str) -> DjangoValidationError:
    return DjangoValidationError({field: DjangoValidationError(message, code=code)})


def renamed(error: DjangoValidationError, names: dict[str, str]) -> DjangoValidationError:
    """The service's error with its fields named as the API names them."""
    if not hasattr(error, "error_dict"):
        return error
    return DjangoValidationError({names.get(key, key): value for key, value in error.error_dict.items()})

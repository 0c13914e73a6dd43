"""Building UBL 2.1 elements for the e-Factura XML (praho.efactura.ubl.document): namespaces, elements that
skip what is absent, and the text forms CIUS-RO wants for amounts, quantities, prices and dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree

from praho.core.money import CENT, round_money
from praho.core.validation import text_error

NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

Element = etree._Element

NSMAP = {"cac": NS_CAC, "cbc": NS_CBC}


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def append(parent: Element, *children: Element | None) -> Element:
    for child in children:
        if child is not None:
            parent.append(child)
    return parent


def cac(name: str, *children: Element | None) -> Element:
    return append(etree.Element(tag(NS_CAC, name)), *children)


def cbc(name: str, text: str, **attributes: str) -> Element:
    element = etree.Element(tag(NS_CBC, name), attributes)
    try:
        element.text = text
    except ValueError:
        # Stored before input refused such characters (core.validation): name the element and the
        # character instead of failing with a server error, so staff can see what to correct.
        problem = text_error(text, multiline=True)
        raise ValidationError(
            {
                name: ValidationError(
                    _("%(element)s holds a character XML cannot carry: %(problem)s"),
                    code="not_xml_text",
                    params={"element": name, "problem": problem.messages[0] if problem else text[:40]},
                )
            }
        ) from None
    return element


def optional(name: str, text: str, **attributes: str) -> Element | None:
    return cbc(name, text, **attributes) if text else None


def amount(name: str, value: Decimal, currency: str) -> Element:
    """An amount with its currency, two decimals (BR-DEC-RO-*)."""
    return cbc(name, f"{round_money(value):f}", currencyID=currency)


def decimal_text(value: Decimal) -> str:
    """A quantity or rate without trailing zeros and never in exponent form: "12", "1.5"."""
    return f"{value.normalize():f}"


def price_text(value: Decimal) -> str:
    """A unit price with two decimals, or up to the four billing stores when it has them."""
    normalized = value.normalize()
    if -normalized.as_tuple().exponent <= 2:  # type: ignore[operator]
        return f"{value.quantize(CENT):f}"
    return f"{normalized:f}"


def day(value: date) -> str:
    return value.isoformat()  # YYYY-MM-DD (BR-RO-DT001..006)

"""The National Bank of Romania's reference exchange rates, from its XML files.

BNR publishes its rates on banking days at about 13:00 Bucharest time, as static files:

- ``settings.BNR_FEED_URL`` (``nbrfxrates.xml``): the last banking day;
- ``settings.BNR_FEED_10DAYS_URL`` (``nbrfxrates10days.xml``): the last ten banking days;
- ``/files/xml/years/nbrfxrates{YYYY}.xml`` on the same site as the daily file: every banking
  day of a year, for a day older than the ten-day file.

Both follow BNR's schema ``nbrfxrates.xsd``::

    <DataSet xmlns="http://www.bnr.ro/xsd">
      <Header>
        <Publisher>National Bank of Romania</Publisher>
        <PublishingDate>2026-11-27</PublishingDate>
        <MessageType>DR</MessageType>
      </Header>
      <Body>
        <Subject>Reference rates</Subject>
        <OrigCurrency>RON</OrigCurrency>
        <Cube date="2026-11-27">
          <Rate currency="EUR">5.0915</Rate>
          <Rate currency="HUF" multiplier="100">1.3187</Rate>
          ...
        </Cube>
      </Body>
    </DataSet>

A ``Rate`` is the RON price of ``multiplier`` units (1 when absent). Older
files and the yearly archives declare the namespace ``http://www.bnr.ro/xsd``,
newer ones ``https://www.bnr.ro/xsd``: both are read. A currency BNR does not
quote that day may appear as an empty ``Rate``, which is skipped. The order of
the days in a file does not matter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

from praho.customers.gateways import USER_AGENT, GatewayUnavailableError, timeout

logger = logging.getLogger(__name__)

NAMESPACES = ("http://www.bnr.ro/xsd", "https://www.bnr.ro/xsd")


class UnavailableError(GatewayUnavailableError):
    """BNR's feed did not answer, answered late, or answered something that is not its feed."""


@dataclass(frozen=True)
class BnrRate:
    currency: str
    day: date
    value: Decimal  # as published: RON for `multiplier` units
    multiplier: int

    @property
    def per_unit(self) -> Decimal:
        """RON for one unit: 1.3187 RON per 100 HUF is 0.013187."""
        return self.value / self.multiplier


@dataclass(frozen=True)
class BnrFeed:
    publishing_date: date
    rates: tuple[BnrRate, ...]

    @property
    def days(self) -> list[date]:
        return sorted({rate.day for rate in self.rates})

    def rate(self, currency: str, day: date) -> BnrRate | None:
        return next((r for r in self.rates if r.currency == currency and r.day == day), None)


def fetch_daily() -> BnrFeed:
    """The last banking day's rates. Raises UnavailableError."""
    return parse(_get(settings.BNR_FEED_URL))


def fetch_last_10_days() -> BnrFeed:
    """The last ten banking days' rates. Raises UnavailableError."""
    return parse(_get(settings.BNR_FEED_10DAYS_URL))


def fetch_year(year: int) -> BnrFeed:
    """Every banking day's rates of `year` (BNR's yearly archive). Raises UnavailableError."""
    return parse(_get(year_url(year)))


def year_url(year: int) -> str:
    """BNR keeps its yearly archives on the site of its daily file (www.bnr.ro)."""
    site = urlsplit(settings.BNR_FEED_URL)
    return urlunsplit((site.scheme, site.netloc, f"/files/xml/years/nbrfxrates{year:04d}.xml", "", ""))


def parse(content: bytes) -> BnrFeed:
    """Read one of BNR's rate files; UnavailableError when it is not one."""
    root = _root(content)
    ns = etree.QName(root).namespace
    publishing_date = _date(root.findtext(f"{{{ns}}}Header/{{{ns}}}PublishingDate"), "PublishingDate")
    rates: list[BnrRate] = []
    for cube in root.iterfind(f"{{{ns}}}Body/{{{ns}}}Cube"):
        day = _date(cube.get("date"), "Cube/@date")
        rates.extend(_rates(cube, ns, day))
    if not rates:
        raise _unavailable("the feed holds no rates")
    return BnrFeed(publishing_date=publishing_date, rates=tuple(rates))


def _unavailable(detail: str) -> UnavailableError:
    logger.warning("BNR exchange rates not fetched: %s", detail)
    return UnavailableError(
        _("BNR's exchange rates could not be fetched; try again later or enter the rate by hand."),
        detail=detail,
    )


def _get(url: str) -> bytes:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/xml, text/xml"}
    try:
        response = httpx.get(url, timeout=timeout(), headers=headers, follow_redirects=True)
    except httpx.HTTPError as error:
        raise _unavailable(f"{url}: {type(error).__name__}: {error}") from error
    if response.status_code != httpx.codes.OK:
        raise _unavailable(f"{url}: HTTP {response.status_code}: {response.text[:200]!r}")
    return response.content


def _root(content: bytes) -> etree._Element:
    # The feed is plain data: no DTD, no entities, nothing fetched while parsing.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        tree = etree.fromstring(content, parser=parser).getroottree()
    except etree.XMLSyntaxError as error:
        raise _unavailable(f"not XML ({error}): {content[:200]!r}") from error
    doctype: str = cast(Any, tree.docinfo).doctype  # missing from lxml-stubs
    if doctype:
        raise _unavailable(f"a document type declaration: {doctype!r}")
    root = tree.getroot()
    name = etree.QName(root)
    if name.localname != "DataSet" or name.namespace not in NAMESPACES:
        raise _unavailable(f"not BNR's DataSet: {root.tag!r}")
    return root


def _date(text: str | None, where: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError as error:
        raise _unavailable(f"{where} is not a date: {text!r}") from error


def _rates(cube: etree._Element, ns: str, day: date) -> list[BnrRate]:
    rates = []
    for element in cube.iterfind(f"{{{ns}}}Rate"):
        currency = (element.get("currency") or "").strip().upper()
        text = (element.text or "").strip()
        if not text:
            continue  # not quoted that day
        try:
            value = Decimal(text)
            multiplier = int(element.get("multiplier") or "1")
        except (InvalidOperation, ValueError) as error:
            raise _unavailable(f"{day} {currency}: unreadable rate {text!r}") from error
        if len(currency) != 3 or not currency.isalpha() or not value.is_finite() or value <= 0:
            raise _unavailable(f"{day}: unreadable rate {currency!r} = {text!r}")
        if multiplier < 1:
            raise _unavailable(f"{day} {currency}: multiplier {multiplier}")
        rates.append(BnrRate(currency=currency, day=day, value=value, multiplier=multiplier))
    return rates

"""What the recurring billing browser tests share: opening a page from a menu, the accessibility
basics every page is checked for, and how money and dates read on the (English) pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from praho.core.formatting import format_date, format_money
from praho.e2e.conftest import Web

PHONE = {"width": 375, "height": 740}
# document.scrollingElement: the page scrolls sideways when it is wider than the window.
SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth - window.innerWidth"

# One h1; the page's language; every field named (a label, aria-label or aria-labelledby); every
# button with a name; every table with a caption; headings in <main> not skipping a level.
ACCESSIBILITY_PROBLEMS = """
() => {
  const problems = [];
  const h1 = document.querySelectorAll("h1");
  if (h1.length !== 1) problems.push(`${h1.length} h1 elements`);
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  const main = document.querySelector("main");
  if (!main) return [...problems, "no <main>"];
  for (const field of main.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button"].includes(field.type)) continue;
    const named = field.labels.length > 0 || field.getAttribute("aria-label")
      || field.getAttribute("aria-labelledby");
    if (!named) problems.push(`unlabelled field ${field.outerHTML}`);
  }
  for (const button of main.querySelectorAll("button")) {
    if (!button.textContent.trim() && !button.getAttribute("aria-label")) {
      problems.push(`unnamed ${button.outerHTML}`);
    }
  }
  for (const table of main.querySelectorAll("table")) {
    if (!table.querySelector("caption")) problems.push("a table without a caption");
  }
  let last = 0;
  for (const heading of main.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = Number(heading.tagName[1]);
    if (last && level > last + 1) {
      problems.push(`${heading.tagName} "${heading.textContent.trim()}" after h${last}`);
    }
    last = level;
  }
  return problems;
}
"""


def accessibility_problems(web: Web) -> list[str]:
    problems: list[str] = web.page.evaluate(ACCESSIBILITY_PROBLEMS)
    return problems


def open_from_menu(web: Web, link: str) -> None:
    """Follow a link of the page's navigation (the staff menu, the customer menu)."""
    with web.page.expect_navigation():
        web.page.locator("nav").get_by_role("link", name=link, exact=True).first.click()


def money(amount: str | Decimal, currency: str = "RON") -> str:
    """An amount as the English pages show it: "1,234.50 RON"."""
    return format_money(Decimal(amount), currency, "en")


def day(value: date) -> str:
    """A date as the English pages show it: "7 Dec 2026"."""
    return format_date(value, "en")


def field_error(web: Web, field_id: str) -> str:
    """The error shown under a field, checked to be tied to its field for screen readers (the field
    is aria-invalid and described by the error)."""
    page = web.page
    field = page.locator(f"#{field_id}")
    assert field.get_attribute("aria-invalid") == "true", f"#{field_id} is not marked invalid"
    assert f"{field_id}_error" in (field.get_attribute("aria-describedby") or "").split()
    return page.locator(f"#{field_id}_error").inner_text()


def refused_with_400(web: Web, path: str) -> None:
    """The page answered a refused form with 400 Bad Request (the house rule for invalid input),
    which Chromium reports as a console error: expected here, exactly once, and cleared."""
    expected = (
        f"console error on {web.base_url}{path}: "
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    )
    assert web.errors == [expected]
    web.errors.clear()

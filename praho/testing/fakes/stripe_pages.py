"""The fake Stripe's pages for people: the hosted Checkout page and the customer portal.

`GET /pay/{session}` shows what is to be paid and two forms, "Pay" (a test Visa card) and
"Decline" (the customer gives up); paying completes the session, delivers the events it caused
(before answering, so that a browser test finds the webhook handled once it lands on the success
page) and sends the browser to `success_url` with `{CHECKOUT_SESSION_ID}` filled in, declining
sends it to `cancel_url` with the session still open, as Stripe's "back" link does.
`GET /portal/{portal}` lists the customer's saved cards with a link back to `return_url`.
The pages are plain, labelled HTML so that browser tests can find things by role and name.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from praho.testing.fakes.service import Received, Reply
from praho.testing.fakes.stripe_account import Account
from praho.testing.fakes.stripe_wire import Obj, StripeError, format_amount

Deliver = Callable[[list[Obj]], None]
PAY = re.compile(r"/pay/([^/]+)(?:/(pay|decline))?")
PORTAL = re.compile(r"/portal/([^/]+)")


def is_page(path: str) -> bool:
    return path.startswith(("/pay/", "/portal/"))


def answer_page(account: Account, received: Received, deliver: Deliver) -> Reply:
    path = urlsplit(received.path).path
    pay, portal = PAY.fullmatch(path), PORTAL.fullmatch(path)
    if pay is not None and pay[2] is None and received.method == "GET":
        return _show_session(account, pay[1], deliver)
    if pay is not None and pay[2] is not None and received.method == "POST":
        form = parse_qs(received.body.decode(errors="replace"))
        email = (form.get("email") or [""])[0].strip() or None
        return _act(account, pay[1], pay[2], email, deliver)
    if portal is not None and received.method == "GET":
        return _show_portal(account, portal[1])
    return _page(HTTPStatus.NOT_FOUND, "Page not found", "<p>There is no such page.</p>")


def _show_session(account: Account, session_id: str, deliver: Deliver) -> Reply:
    with account.lock:
        try:
            session = account.session(session_id)  # may expire it: its event goes out below
        except StripeError:
            return _page(HTTPStatus.NOT_FOUND, "Page not found", "<p>There is no such Checkout Session.</p>")
        lines = account.line_items.get(session_id, [])
        email = session["customer_email"] or _customer_email(account, session)
        fresh = account.take_fresh()
    deliver(fresh)
    if session["status"] != "open":
        return _no_longer_open(session)
    return _page(HTTPStatus.OK, f"Pay {_total(session)}", _checkout_body(session, lines, email))


def _customer_email(account: Account, session: Obj) -> str | None:
    customer = account.find(session["customer"]) if session["customer"] else None
    return customer["email"] if customer else None


def _act(account: Account, session_id: str, action: str, email: str | None, deliver: Deliver) -> Reply:
    with account.lock:
        try:
            session = account.session(session_id)
            if action == "pay" and session["status"] == "open":
                session = account.complete_session(session_id, email=email)
        except StripeError:
            return _page(HTTPStatus.NOT_FOUND, "Page not found", "<p>There is no such Checkout Session.</p>")
        session = dict(session)
        fresh = account.take_fresh()
    deliver(fresh)
    if action == "pay" and session["status"] == "complete":
        return _leave(
            session["success_url"],
            session_id,
            "Payment complete",
            "<p>Thank you, the payment went through.</p>",
        )
    if session["status"] != "open":
        return _no_longer_open(session)
    return _leave(session["cancel_url"], session_id, "Payment cancelled", "<p>Nothing was paid.</p>")


def _leave(url: str | None, session_id: str, title: str, body: str) -> Reply:
    if not url:
        return _page(HTTPStatus.OK, title, body)
    return Reply(
        HTTPStatus.SEE_OTHER, b"", "text/html", {"Location": url.replace("{CHECKOUT_SESSION_ID}", session_id)}
    )


def _no_longer_open(session: Obj) -> Reply:
    state = "paid" if session["status"] == "complete" else "expired"
    return _page(
        HTTPStatus.GONE,
        "Checkout Session unavailable",
        f"<p>This Checkout Session is no longer available: it was {state}.</p>",
    )


def _total(session: Obj) -> str:
    return format_amount(session["amount_total"], session["currency"])


def _checkout_body(session: Obj, lines: list[Obj], email: str | None) -> str:
    sid = html.escape(session["id"])
    rows = "".join(
        f"<tr><td>{html.escape(line['description'])}</td><td>{line['quantity']}</td>"
        f"<td>{html.escape(format_amount(line['amount_total'], line['currency']))}</td></tr>"
        for line in lines
    )
    return (
        f'<p>Amount due: <strong id="amount">{html.escape(_total(session))}</strong></p>'
        "<table><caption>What you pay for</caption>"
        '<thead><tr><th scope="col">Item</th><th scope="col">Quantity</th>'
        '<th scope="col">Amount</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        f'<form method="post" action="/pay/{sid}/pay">'
        '<p><label for="email">Email</label> '
        '<input id="email" name="email" type="email" autocomplete="email" '
        f'value="{html.escape(email or "")}"></p>'
        "<p>Card: Visa ending in 4242 (test card)</p>"
        '<button type="submit">Pay</button></form>'
        f'<form method="post" action="/pay/{sid}/decline"><button type="submit">Decline</button></form>'
    )


def _show_portal(account: Account, portal_id: str) -> Reply:
    with account.lock:
        try:
            portal = account.get(portal_id, "billing_portal.session")
        except StripeError:
            return _page(HTTPStatus.NOT_FOUND, "Page not found", "<p>There is no such portal session.</p>")
        cards = [dict(method) for method in account.methods_of(portal["customer"], "card")]
        customer = dict(account.get(portal["customer"], "customer"))
    items = "".join(
        f"<li>{html.escape(card['card']['brand'].title())} ending in {html.escape(card['card']['last4'])}, "
        f"expires {card['card']['exp_month']:02d}/{card['card']['exp_year']}</li>"
        for card in cards
    )
    listing = f"<ul>{items}</ul>" if cards else "<p>No saved cards.</p>"
    back = portal["return_url"]
    link = f'<p><a href="{html.escape(back)}">Return to the site</a></p>' if back else ""
    who = html.escape(customer["email"] or customer["name"] or customer["id"])
    return _page(
        HTTPStatus.OK, "Payment methods", f"<p>Customer: {who}</p><h2>Saved cards</h2>{listing}{link}"
    )


def _page(status: int, title: str, body: str) -> Reply:
    text = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'  # no /favicon.ico request (it would be refused: no API key)
        f"<title>{html.escape(title)} · Stripe (local fake)</title></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return Reply(status, text.encode(), "text/html")

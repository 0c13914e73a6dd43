"""Reading the app's stylesheets in tests: the declarations of each rule, by selector.

Layout bugs (a capped page width, values cut mid-word) are fixed in CSS; these tests read the
rules the pages load so that a fix cannot be undone unseen. Nested rules (@media, @container)
are read with their condition prefixed: "@container (max-width: 22rem) dl.facts"."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders

_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def stylesheet(name: str) -> str:
    """The text of a static CSS file ("core/praho.css"), without comments."""
    path = finders.find(name)
    assert path, f"no static file {name}"
    return _COMMENT.sub("", Path(str(path)).read_text(encoding="utf-8"))


def rules(name: str) -> dict[str, dict[str, str]]:
    """{selector: {property: value}} of a stylesheet; a selector given twice has its declarations merged."""
    found: dict[str, dict[str, str]] = {}
    _read(stylesheet(name), "", found)
    return found


def _read(text: str, condition: str, found: dict[str, dict[str, str]]) -> None:
    position = 0
    while (brace := text.find("{", position)) != -1:
        prelude = text[position:brace].strip()
        end, depth = brace + 1, 1
        while depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        body = text[brace + 1 : end - 1]
        if prelude.startswith("@"):
            _read(body, f"{condition}{prelude} ", found)
        else:
            pairs = (part.split(":", 1) for part in body.split(";") if ":" in part)
            declarations = {name.strip(): value.strip() for name, value in pairs}
            for selector in prelude.split(","):
                found.setdefault(condition + " ".join(selector.split()), {}).update(declarations)
        position = end

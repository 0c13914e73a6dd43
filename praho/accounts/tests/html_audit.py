"""Reads a rendered page the way the accessibility and CSP checks need it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

LABELLED_INPUT_TYPES_EXEMPT = {"hidden", "submit", "button", "reset", "image"}
EXTERNAL_URL = re.compile(r"^(https?:)?//", re.IGNORECASE)


@dataclass
class Control:
    tag: str
    attrs: dict[str, str]
    inside_label: bool


@dataclass
class Page:
    html_lang: str = ""
    ids: list[str] = field(default_factory=list)
    label_fors: set[str] = field(default_factory=set)
    controls: list[Control] = field(default_factory=list)
    inline_scripts: list[dict[str, str]] = field(default_factory=list)
    external_urls: list[str] = field(default_factory=list)
    landmarks: list[str] = field(default_factory=list)
    skip_link_target: str = ""
    h1_count: int = 0
    describedby: list[tuple[str, str]] = field(default_factory=list)
    invalid_controls: list[dict[str, str]] = field(default_factory=list)

    def unlabelled_controls(self) -> list[dict[str, str]]:
        missing = []
        for control in self.controls:
            attrs = control.attrs
            if control.tag == "input" and attrs.get("type", "text") in LABELLED_INPUT_TYPES_EXEMPT:
                continue
            if control.inside_label or attrs.get("aria-label") or attrs.get("aria-labelledby"):
                continue
            if attrs.get("id") and attrs["id"] in self.label_fors:
                continue
            missing.append(attrs)
        return missing

    def dangling_describedby(self) -> list[tuple[str, str]]:
        return [(owner, ref) for owner, ref in self.describedby if ref not in self.ids]

    def invalid_controls_without_error_text(self) -> list[dict[str, str]]:
        """Invalid inputs whose error is not announced: neither the input nor its
        fieldset (for a group of checkboxes) points at an `<id>_error` element."""
        return [
            attrs
            for attrs in self.invalid_controls
            if not any(
                ref.endswith("_error")
                for ref in (
                    attrs.get("aria-describedby", "") + " " + attrs.get("fieldset-describedby", "")
                ).split()
            )
        ]

    def duplicate_ids(self) -> list[str]:
        return sorted({value for value in self.ids if self.ids.count(value) > 1})


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.label_depth = 0
        self._in_script: dict[str, str] | None = None
        self._fieldsets: list[str] = []
        self._script_body = ""

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = {name: value or "" for name, value in attr_list}
        page = self.page
        if attrs.get("id"):
            page.ids.append(attrs["id"])
        if tag == "html":
            page.html_lang = attrs.get("lang", "")
        elif tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                page.label_fors.add(attrs["for"])
        elif tag == "fieldset":
            self._fieldsets.append(attrs.get("aria-describedby", ""))
        elif tag in {"input", "select", "textarea"}:
            page.controls.append(Control(tag, attrs, self.label_depth > 0))
            if attrs.get("aria-invalid") == "true":
                page.invalid_controls.append({**attrs, "fieldset-describedby": " ".join(self._fieldsets)})
        elif tag == "script":
            self._in_script = attrs
            self._script_body = ""
        elif tag in {"header", "nav", "main", "footer"}:
            page.landmarks.append(tag)
        elif tag == "h1":
            page.h1_count += 1
        if tag == "a" and "skip-link" in attrs.get("class", "").split():
            page.skip_link_target = attrs.get("href", "")
        for name in ("src", "href", "action", "srcset", "poster"):
            if EXTERNAL_URL.match(attrs.get(name, "")):
                page.external_urls.append(f"<{tag} {name}={attrs[name]}>")
        for ref in attrs.get("aria-describedby", "").split():
            page.describedby.append((attrs.get("id", tag), ref))

    def handle_startendtag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attr_list)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth = max(0, self.label_depth - 1)
        elif tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        elif tag == "script" and self._in_script is not None:
            attrs = self._in_script
            if not attrs.get("src") and attrs.get("type") != "application/json":
                self.page.inline_scripts.append({**attrs, "body": self._script_body.strip()[:80]})
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._script_body += data


def read(content: bytes) -> Page:
    reader = _Reader()
    reader.feed(content.decode())
    reader.close()
    return reader.page

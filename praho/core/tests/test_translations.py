import re

import polib
import pytest
from django.conf import settings

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _catalog(language, kind="po"):
    path = settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / f"django.{kind}"
    return polib.pofile(str(path)) if kind == "po" else polib.mofile(str(path))


@pytest.mark.parametrize("language", ["ro", "bg"])
def test_every_string_is_translated_and_none_is_fuzzy(language):
    catalog = _catalog(language)

    assert catalog.percent_translated() == 100
    assert [entry.msgid for entry in catalog.fuzzy_entries()] == []
    assert not catalog.metadata_is_fuzzy  # a fuzzy header drops the plural forms


@pytest.mark.parametrize("language", ["ro", "bg"])
def test_translations_keep_every_placeholder(language):
    for entry in _catalog(language):
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert sorted(PLACEHOLDER.findall(translation)) == sorted(PLACEHOLDER.findall(entry.msgid)), (
                entry.msgid
            )


@pytest.mark.parametrize("language", ["ro", "bg"])
def test_the_compiled_catalog_matches_the_source_catalog(language):
    source = {entry.msgid: entry.msgstr or entry.msgstr_plural.get(0) for entry in _catalog(language)}
    compiled = {
        entry.msgid: entry.msgstr or entry.msgstr_plural.get(0)
        for entry in _catalog(language, "mo")
        if entry.msgid
    }

    assert compiled == source


@pytest.mark.parametrize(
    "msgid",
    ["Staff dashboard", "Audit trail", "Login lockouts", "Two-factor authentication", "Skip to main content"],
)
def test_the_catalog_holds_the_interface_strings(msgid):
    assert _catalog("ro").find(msgid) is not None


@pytest.mark.parametrize(
    ("language", "heading"),
    [("ro", "Bun venit, Carol"), ("bg", "Добре дошли, Carol"), ("en", "Welcome, Carol")],
)
def test_a_user_sees_the_interface_in_their_language(client, carol, language, heading):
    carol.first_name, carol.language = "Carol", language
    carol.save(update_fields=["first_name", "language"])
    client.force_login(carol)

    content = client.get("/app/").content.decode()

    assert f'<html lang="{language}">' in content
    assert f"<h1>{heading}</h1>" in content


def test_romanian_plurals_follow_romanian_grammar(client):
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override("ro"):
        forms = [ngettext("%(counter)s event", "%(counter)s events", n) % {"counter": n} for n in (1, 2, 20)]

    assert forms == ["1 eveniment", "2 evenimente", "20 de evenimente"]


def test_library_pages_are_translated_too(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"

    content = client.get("/accounts/login/").content.decode()

    assert '<html lang="ro">' in content
    assert "Parolă" in content

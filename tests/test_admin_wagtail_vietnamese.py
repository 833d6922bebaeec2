"""Wagtail's own admin strings come out in Vietnamese: the supplement in locale_wagtail/ fills what
Wagtail's vi catalogue leaves in English (docs/decisions/0016), and English-speaking staff still
get English.

The strings checked are read from the supplement's .po, so a new entry is checked as soon as it is
added; the screens are rendered with the compiled .mo, so an entry missing from it (a .po edited
without `make messages`) shows here in English."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from wagtail.users.models import UserProfile

from fund.services import donation_record
from tests.test_translations import compiled_entries, mo_entries, placeholder_problems, read_catalog

pytestmark = pytest.mark.django_db

SUPPLEMENT = Path(__file__).resolve().parents[1] / "locale_wagtail" / "vi" / "LC_MESSAGES" / "django.po"
# The admin's JavaScript strings (sidebar, editor, autosave), served by /admin/jsi18n/.
SUPPLEMENT_JS = SUPPLEMENT.with_name("djangojs.po")
# Attributes whose text a person reads or hears (tooltips, screen readers, empty search boxes).
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}
# Keys of the sidebar's JSON props that hold identifiers (slugs, icons, URLs), not words.
JSON_IDENTIFIERS = {
    "_type",
    "name",
    "icon_name",
    "classname",
    "url",
    "code",
    "target",
    "rel",
    "role",
    "action",
    "method",
}
PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]")
# A string that is mostly placeholders ("%(a)s for %(b)s") would match any English on the page,
# ours included: only strings with this many letters besides their placeholders are looked for.
MIN_LETTERS = 8
# Text Wagtail writes in its templates without gettext, so no catalogue can translate it:
# the aria-label of the header's action buttons (wagtailadmin/shared/headers/_actions.html).
NOT_TRANSLATABLE = {"Actions"}


class Segments(HTMLParser):
    """The pieces of text on a rendered page: each text node, each read attribute, and each
    string in the JSON props Wagtail hands its React sidebar."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: set[str] = set()
        self._json = False

    def handle_starttag(self, tag, attrs):
        self._json = tag == "script" and ("type", "application/json") in attrs
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self._add(value)

    def handle_endtag(self, tag):
        self._json = False

    def handle_data(self, data):
        if self._json:
            self._walk(json.loads(data))
        else:
            self._add(data)

    def _walk(self, value):
        if isinstance(value, str):
            self._add(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in JSON_IDENTIFIERS and not key.startswith(("data-", "CSRF", "avatar")):
                    self._walk(item)
        elif isinstance(value, list):
            for item in value:
                self._walk(item)

    def _add(self, text):
        text = " ".join(text.split())
        if text:
            self.found.add(text)


def segments(html: str) -> set[str]:
    parser = Segments()
    parser.feed(html)
    return parser.found


def supplement():
    return read_catalog(SUPPLEMENT)


def english_patterns():
    """Each English msgid of the supplement (both forms of a plural) as a pattern for a whole piece
    of text, its placeholders standing for anything. Strings with markup are left out: their
    text is split across elements."""
    patterns = {}
    for message in supplement():
        if not message.id:
            continue
        for source in message.id if message.pluralizable else [message.id]:
            parts = PLACEHOLDER.split(source)
            letters = sum(map(str.isalpha, "".join(parts)))
            if "<" in source or source in NOT_TRANSLATABLE or (len(parts) > 1 and letters < MIN_LETTERS):
                continue
            # Wagtail capitalises some lowercase msgids (field labels, "just now") when it shows them.
            initial, parts[0] = parts[0][:1], parts[0][1:]
            first = (
                f"[{re.escape(initial.lower())}{re.escape(initial.upper())}]"
                if initial.isalpha()
                else re.escape(initial)
            )
            patterns[source] = re.compile(first + ".+?".join(re.escape(part) for part in parts))
    return patterns


def translations():
    return {
        text for m in supplement() if m.id for text in (m.string if m.pluralizable else [m.string]) if "%" not in text
    }


def english_on(html: str) -> list[str]:
    found = segments(html)
    return sorted(
        source for source, pattern in english_patterns().items() if any(pattern.fullmatch(text) for text in found)
    )


def staff(language: str) -> Client:
    user = User.objects.create_superuser(f"staff-{language}", f"{language}@example.org", "pw")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def screens(fund, donor):
    """The screens a member of staff meets most, with an object of each kind to open."""
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="100000")
    return [
        "/admin/",
        "/admin/fund/funds/",
        "/admin/fund/funds/?q=nothing-matches",
        "/admin/donors/",
        f"/admin/fund/gifts/inspect/{gift.pk}/",
        f"/admin/fund/funds/edit/{fund.pk}/",
        f"/admin/fund/funds/history/{fund.pk}/",
        f"/admin/donors/inspect/{donor.pk}/",
        "/admin/images/",
        "/admin/documents/",
        "/admin/users/",
        "/admin/account/",
    ]


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("po_path", [SUPPLEMENT, SUPPLEMENT_JS], ids=["django", "djangojs"])
def test_supplement_is_compiled_and_keeps_placeholders(po_path):
    """The .mo Django reads is the compiled .po (`make messages`), with Vietnamese plural rules."""
    catalog = read_catalog(po_path)
    assert catalog.num_plurals == 1 and catalog.plural_expr == "0"
    expected = compiled_entries(catalog)
    assert len(expected) > 50
    assert mo_entries(po_path.with_suffix(".mo")) == expected, "run `make messages` and commit the .mo"
    problems = {m.id: p for m in catalog if m.id and (p := placeholder_problems(m))}
    assert not problems


def javascript_catalogue(client: Client) -> dict:
    script = page(client, "/admin/jsi18n/")
    found = re.search(r"const newcatalog = (\{.*?\});", script, re.S)
    return json.loads(found.group(1)) if found else {}  # English, the source language, has none


def test_admin_javascript_strings_are_in_vietnamese():
    served = javascript_catalogue(staff("vi"))
    for message in read_catalog(SUPPLEMENT_JS):
        if message.id:
            key = message.id[0] if message.pluralizable else message.id
            expected = list(message.string) if message.pluralizable else message.string
            assert served.get(key) == expected, key
    assert "Toggle sidebar" not in javascript_catalogue(staff("en"))


def test_back_office_screens_show_no_wagtail_english_to_vietnamese_staff(screens):
    client = staff("vi")
    english = {url: found for url in screens if (found := english_on(page(client, url)))}
    assert not english, f"Wagtail strings left in English: {english}"


def test_login_page_is_in_vietnamese_for_anyone():
    html = page(Client(), "/admin/login/")
    assert not english_on(html)
    found = segments(html)
    assert "Quên mật khẩu?" in found
    # The password label Wagtail leaves out, so Django showed the field name (config/wagtail_login.py).
    assert "Mật khẩu" in found and "Password" not in found


def test_english_speaking_staff_still_get_english(screens):
    client = staff("en")
    vietnamese = translations()
    for url in screens:
        html = page(client, url)
        assert not (segments(html) & vietnamese), url
    # The sidebar and a listing's filters name things in Wagtail's English.
    assert {"Reports", "Help"} <= set(english_on(page(client, "/admin/")))
    assert "Filter by" in english_on(page(client, "/admin/donors/"))


def test_signing_in_still_works_with_the_translated_login_form():
    User.objects.create_superuser("root", "root@example.org", "pw")
    response = Client().post("/admin/login/", {"username": "root", "password": "pw"})
    assert response.status_code == 302
    refused = Client().post("/admin/login/", {"username": "root", "password": "wrong"})
    assert refused.status_code == 200 and "Mật khẩu" in segments(refused.content.decode())

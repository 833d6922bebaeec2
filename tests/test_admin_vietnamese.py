"""The back office speaks the admin user's language: Vietnamese for the centre (the default),
English for a user who chose it in their account.

An administrator whose admin language is Vietnamese opens every project listing (found from
the registered viewsets, like the role matrix), an inspect view of a seeded row of each, the add
and edit forms, the custom screens (bank import and review, pledges due, Stripe events,
statements, receipts' actions, the settings of our apps) and the admin menu (the sidebar's
JSON), and downloads each CSV export. None of them may show a string of ours in English: no
msgid of our catalogue whose Vietnamese differs from it is a whole text node (or JSON string,
or CSV heading) of the page, and no yes/no or empty value reads "True", "False" or "None".
Every field, model and choice label of our apps is translated, whether a page shows it yet or
not. An English user gets the same screens in English, with no Vietnamese of ours on them.

When this fails: wrap the string in gettext / gettext_lazy, run `make messages`, translate the
entry in locale/vi/LC_MESSAGES/django.po, and run `make messages` again."""

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.apps import apps
from django.contrib.auth.models import User
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from djmoney.models.fields import CurrencyField
from wagtail.models import Site
from wagtail.users.models import UserProfile

from care.models import Beneficiary
from fund.models import Campaign, Donation, Organisation
from payments.models import BankTransaction, Batch, StripeEvent
from receipts.models import Receipt, ReceiptSettings

from .staff.test_role_matrix import PROJECT_APPS, one_of_each, project_viewsets  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"
# Where our strings live; a msgid only Wagtail or Django use is theirs to translate.
OUR_SOURCES = tuple(f"{app}/" for app in PROJECT_APPS) + ("config/",)
# Words written the same in both languages (names, codes, formats).
SAME_IN_BOTH = {"email", "logo", "id", "vietqr", "stripe", "pdf", "csv", "xlsx", "vnd ₫", "usd $"}
# Python leaking through: a yes/no value or an empty one written as the language writes it.
PYTHON_WORDS = {"True", "False", "None"}


def our_translated_msgids() -> dict[str, str]:
    """msgid -> Vietnamese, for every entry of ours whose Vietnamese is not the same text. An
    entry left untranslated (or fuzzy, which gettext ignores) counts: it shows in English."""
    with open(CATALOGUE, "rb") as f:
        catalog = read_po(f)
    found = {}
    for message in catalog:
        if not message.id or not any(path.startswith(OUR_SOURCES) for path, _ in message.locations):
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        for msgid, string in zip(ids, strings, strict=False):
            # A msgid that is all placeholders or punctuation is never a text node of its own.
            if message.fuzzy:
                string = ""
            if string != msgid and re.search(r"[A-Za-z]", msgid) and "%(" not in msgid:
                found[msgid] = string
    assert len(found) > 300, "the catalogue lost our entries: the test would check nothing"
    return found


def _squash(text: str) -> str:
    return " ".join(text.split())


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class TextNodes(HTMLParser):
    """The page's text nodes (without scripts, styles and hidden elements: Wagtail's own hidden
    counter of a side panel holds "None") and the strings of its JSON scripts."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.json_strings: list[str] = []
        self._script = None
        self._hidden: list[str] = []  # the tag of each open hidden element, and those inside it

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._script = dict(attrs).get("type", "") if tag == "script" else "style"
        elif tag not in VOID_ELEMENTS and (self._hidden or "hidden" in dict(attrs)):
            self._hidden.append(tag)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._script = None
        elif self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data):
        if self._script is None:
            if (text := _squash(data)) and not self._hidden:
                self.texts.append(text)
        elif self._script == "application/json" and data.strip():
            self.json_strings.extend(_strings_in(json.loads(data)))


# Keys whose values are names for the code (an icon, a menu item's id), never shown as words.
NOT_WORDS = {"name", "icon_name", "_type", "url", "classname", "attrs", "fieldName", "prefix", "id"}


def _strings_in(value):
    if isinstance(value, str):
        yield _squash(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in NOT_WORDS:
                yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def page_strings(response) -> tuple[list[str], list[str]]:
    parser = TextNodes()
    parser.feed(response.content.decode())
    return parser.texts, parser.json_strings


def admin_client(client, language: str):
    user = User.objects.create_superuser(f"admin_{language}", f"{language}@example.org", "pw")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client.force_login(user)
    return client


def project_pages() -> list[str]:
    """Every project screen an administrator can open, with the seeded rows of one_of_each."""
    urls = ["/admin/"]
    for vs in project_viewsets():
        urls.append(reverse(vs.get_url_name("index")))
        instance = vs.model.objects.order_by("pk").first()
        for view_name, args in (("inspect", [instance.pk]), ("add", []), ("edit", [instance.pk])):
            try:
                urls.append(reverse(vs.get_url_name(view_name), args=args))
            except NoReverseMatch:
                continue  # this viewset has no such view
    line = BankTransaction.objects.filter(status=BankTransaction.Status.REVIEW).first()
    receipt = Receipt.objects.first()
    urls += [
        reverse("bank_import"),
        reverse("reporting_pledges_due"),
        reverse("bank_transactions:index") + "?status=review",
        reverse("bank_transactions:match", args=[line.pk]),
        reverse("bank_transactions:record_gift", args=[line.pk]),
        reverse("bank_transactions:ignore", args=[line.pk]),
        reverse("stripe_events:resolve", args=[StripeEvent.objects.get(stripe_id="evt_matrix").pk]),
        reverse("stripe_events:retry", args=[StripeEvent.objects.get(stripe_id="evt_matrix_retry").pk]),
        reverse("receipts_statements"),
        reverse("receipts_admin:resend", args=[receipt.pk]),
        reverse("receipts_admin:reissue", args=[receipt.pk]),
        # Gifts, campaigns, case files and cash batches: the actions that call one service each.
        reverse("donation:record_centre"),
        reverse("donation:cancel", args=[Donation.objects.filter(status="pledged").first().pk]),
        reverse("donation:refund", args=[Donation.objects.filter(status="received", channel="cash").first().pk]),
        reverse("campaigns:close", args=[Campaign.objects.first().pk]),
        reverse("campaigns:reopen", args=[Campaign.objects.first().pk]),
        reverse("beneficiary:admit"),
        reverse("beneficiary:discharge", args=[Beneficiary.objects.first().pk]),
        reverse("cash_batches:open"),
        reverse("cash_batches:line_add", args=[Batch.objects.first().pk]),
        reverse("cash_batches:line_remove", args=[Batch.objects.first().lines.first().pk]),
        reverse("cash_batches:post", args=[Batch.objects.first().pk]),
        f"/admin/settings/fund/organisation/{Organisation.load().pk}/",
        f"/admin/settings/receipts/receiptsettings/{ReceiptSettings.load().pk}/",
        f"/admin/settings/cms/bankaccountsettings/{Site.objects.get(is_default_site=True).pk}/",
    ]
    return urls


def export_urls() -> list[str]:
    return [
        f"{reverse(vs.get_url_name('index'))}?export=csv"
        for vs in project_viewsets()
        if isinstance(vs.list_export, list | tuple) and vs.list_export
    ]


def rendered(client, urls):
    """(url, texts, json strings) for each page that opened; refusals are the role matrix's."""
    pages = []
    for url in urls:
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            texts, json_strings = page_strings(response)
            pages.append((url, texts, json_strings))
    return pages


def csv_rows(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return [[_squash(cell) for cell in row] for row in csv.reader(io.StringIO(content))]


@pytest.mark.usefixtures("one_of_each")
def test_every_project_screen_is_in_vietnamese(client):
    client = admin_client(client, "vi")
    ours = our_translated_msgids()
    urls = project_pages()
    pages = rendered(client, urls)
    # The administrator opens every listing, inspect view and custom screen; add and edit only
    # where a form exists (funds, campaigns, donors). Fewer means a screen broke or moved.
    assert len(pages) >= len(project_viewsets()) * 2 + 14, sorted(set(urls) - {url for url, *_ in pages})
    # The parser read the pages (a hidden element left open would hide the rest of a page).
    assert sum(len(texts) for _, texts, _ in pages) > 50 * len(pages)
    english = []
    for url, texts, json_strings in pages:
        for text in texts + json_strings:
            if text in ours or text in PYTHON_WORDS:
                english.append((url, text))
    for url in export_urls():
        # The headings are our words; the cells are data (a status is exported as its code,
        # "valid", for a spreadsheet to filter on), but a yes/no cell is a word too.
        headings, *rows = csv_rows(client, url)
        assert rows, f"{url}: an export with no rows checks no cell"
        english += [(url, heading) for heading in headings if heading in ours]
        english += [(url, cell) for row in rows for cell in row if cell in PYTHON_WORDS]
    assert not english, f"English (or True/False/None) on a Vietnamese back-office screen: {sorted(set(english))}"


@pytest.mark.usefixtures("one_of_each")
def test_the_admin_menu_is_in_vietnamese(client):
    client = admin_client(client, "vi")
    _, json_strings = page_strings(client.get("/admin/"))
    for label in ("Quỹ", "Nhà hảo tâm", "Chuyển khoản ngân hàng", "Thanh toán thẻ", "Biên nhận", "Nhật ký kiểm toán"):
        assert label in json_strings, label
    for english in ("Funds", "Donors", "Bank transfers", "Card payments", "Receipts", "Audit trail"):
        assert english not in json_strings, english


@pytest.mark.usefixtures("one_of_each")
def test_yes_no_fields_read_as_words(client):
    client = admin_client(client, "vi")
    funds, _ = page_strings(client.get("/admin/fund/funds/"))
    assert "Có" in funds  # the fund is active
    donor_inspect = [url for url in project_pages() if url.startswith("/admin/donors/inspect/")]
    texts, _ = page_strings(client.get(donor_inspect[0]))
    assert "Không" in texts  # no consent to news
    assert not PYTHON_WORDS & set(texts)


def _declared_by_us(model, field) -> bool:
    """A field of our model that no Wagtail class (Page, a setting's abstract base) declares."""
    for cls in model.__mro__:
        meta = getattr(cls, "_meta", None)
        if meta is None or cls.__module__.split(".")[0] in PROJECT_APPS:
            continue
        if any(f.name == field.name for f in meta.get_fields()):
            return False
    return model._meta.app_label in PROJECT_APPS


def _label_pairs():
    """(where, label) for every field, model and choice label of our apps."""
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        name = model._meta.label
        yield f"{name} (verbose_name)", model._meta.verbose_name
        yield f"{name} (verbose_name_plural)", model._meta.verbose_name_plural
        for field in model._meta.get_fields():
            # Fields of Wagtail's Page, reverse relations, automatic ids and parent links, and
            # djmoney's hidden currency columns (exports name them with export_headings).
            if not field.concrete or field.auto_created or isinstance(field, CurrencyField):
                continue
            if not _declared_by_us(model, field):
                continue
            yield f"{name}.{field.name}", field.verbose_name
            for value, label in field.flatchoices if field.choices else ():
                yield f"{name}.{field.name} choice {value!r}", label


def test_every_field_model_and_choice_label_of_ours_is_translated():
    untranslated = []
    checked = 0
    for where, label in _label_pairs():
        with translation.override("vi"):
            vi = str(label)
        with translation.override("en"):
            en = str(label)
        checked += 1
        if vi == en and en.lower() not in SAME_IN_BOTH:
            untranslated.append(f"{where}: {en!r}")
    assert checked > 300
    assert not untranslated, f"Labels with no Vietnamese: {untranslated}"


@pytest.mark.usefixtures("one_of_each")
def test_english_admin_language_shows_english(client):
    """The same screens for a user who chose English: our words in English, none in Vietnamese."""
    client = admin_client(client, "en")
    vietnamese = {text for text in our_translated_msgids().values() if text and text.lower() not in SAME_IN_BOTH}
    pages = rendered(client, project_pages())
    assert len(pages) >= len(project_viewsets()) * 2 + 14
    found = [(url, text) for url, texts, json_strings in pages for text in texts + json_strings if text in vietnamese]
    assert not found, f"Vietnamese on an English back-office screen: {sorted(set(found))}"
    _, menu = page_strings(client.get("/admin/"))
    assert {"Funds", "Donors", "Bank transfers", "Receipts", "Audit trail"} <= set(menu)
    funds, _ = page_strings(client.get("/admin/fund/funds/"))
    assert "Yes" in funds and "Received" in funds

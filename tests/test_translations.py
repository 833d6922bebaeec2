"""The message catalogues: each committed .mo is the compiled form of its .po, Vietnamese (the
default language) has no untranslated or fuzzy entry, translations keep the placeholders of
their source, and the public donation journey really comes out in Vietnamese and Arabic.

When a test here fails after adding or changing a string: run `make messages`, translate the
new entries in locale/vi/LC_MESSAGES/django.po (and the Arabic ones on the donation journey),
run `make messages` again to compile, and commit the .po and .mo files together."""

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.template import Context, Template
from django.utils import translation

from cms.forms import DonationForm

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
LANGUAGES = [po.parts[-3] for po in PO_FILES]

# A python-format conversion: %%, %(name)s, or a positional %s / %d / %.2f...
PYTHON_FORMAT = re.compile(r"%(?:%|(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa])")
NAMED = re.compile(r"%\(([^)]*)\)")
BRACES = re.compile(r"\{\{?\s*([^{}\s]*)\s*\}?\}")
ARABIC = re.compile(r"[\u0600-\u06ff]")
# The donor count under a campaign's progress bar (cms/templates/cms/includes/progress.html).
DONORS = "{% blocktranslate count donors=n %}{{ donors }} donor{% plural %}{{ donors }} donors{% endblocktranslate %}"


def read_catalog(po_path):
    with open(po_path, "rb") as f:
        return read_po(f)


def forms_of(message):
    return list(message.string) if message.pluralizable else [message.string]


def ids_of(message):
    return list(message.id) if message.pluralizable else [message.id]


def compiled_entries(catalog):
    """What msgfmt puts into a .mo: every entry but the header that is neither fuzzy nor
    untranslated (for a plural entry, GNU msgfmt looks at its first form)."""
    entries = {}
    for message in catalog:
        if not message.id or message.fuzzy or not forms_of(message)[0]:
            continue
        key = (message.context, tuple(ids_of(message)))
        entries[key] = tuple(forms_of(message))
    return entries


def mo_entries(mo_path):
    with open(mo_path, "rb") as f:
        catalog = read_mo(f)
    # Babel's read_mo gives a message context as bytes; the .po side has it as text.
    return {
        (_text(message.context), tuple(ids_of(message))): tuple(forms_of(message)) for message in catalog if message.id
    }


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def test_there_are_catalogues():
    assert {"vi", "ar"} <= set(LANGUAGES)


@pytest.mark.parametrize("po_path", PO_FILES, ids=LANGUAGES)
def test_committed_mo_matches_its_po(po_path):
    """A .po edited without running `make messages` (or compilemessages) fails here."""
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages` and commit it"
    catalog = read_catalog(po_path)
    expected, actual = compiled_entries(catalog), mo_entries(mo_path)
    stale = sorted((key[1][0], actual.get(key), value) for key, value in expected.items() if actual.get(key) != value)
    extra = sorted(key[1][0] for key in actual.keys() - expected.keys())
    assert not stale and not extra, (
        f"{mo_path} is out of date, run `make messages`.\n"
        f"Different or missing in the .mo (msgid, .mo, .po): {stale}\nOnly in the .mo: {extra}"
    )
    # The plural rule Django will use is the one written in the .po header.
    with open(mo_path, "rb") as f:
        runtime = gettext.GNUTranslations(f)
    rule = gettext.c2py(catalog.plural_expr)
    assert [runtime.plural(n) for n in range(250)] == [rule(n) for n in range(250)]


def test_vietnamese_catalogue_is_complete():
    """Vietnamese is the default language: a new English string must be translated before it
    is merged. Fuzzy entries count as untranslated, because gettext ignores them."""
    catalog = read_catalog(LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.po")
    assert catalog.num_plurals == 1
    assert catalog.plural_expr == "0"
    fuzzy = [ids_of(m)[0] for m in catalog if m.id and m.fuzzy]
    empty = [ids_of(m)[0] for m in catalog if m.id and not all(forms_of(m))]
    assert not fuzzy, f"Fuzzy entries in the Vietnamese catalogue (check and unmark them): {fuzzy}"
    assert not empty, f"Untranslated entries in the Vietnamese catalogue: {empty}"


def python_placeholders(text):
    """Named placeholders as a set, positional ones in order, and any stray % left over (a lone
    % in a python-format string breaks the % operator at runtime)."""
    named, positional = set(), []
    for match in PYTHON_FORMAT.finditer(text):
        if match.group(0) == "%%":
            continue
        if match.group("name") is not None:
            named.add(match.group("name"))
        else:
            positional.append(match.group(0))
    stray = PYTHON_FORMAT.sub("", text).count("%")
    return named, positional, stray


def brace_placeholders(text):
    return set(BRACES.findall(text))


def placeholder_problems(message):
    problems = []
    python_format = "python-format" in message.flags
    source = ids_of(message)
    forms = forms_of(message)
    for index, form in enumerate(forms):
        if not form:
            continue
        # The last form is the general plural: it must carry everything msgid_plural has. Other
        # forms (one, two...) may leave the number out, but may not bring in anything new.
        reference = source[-1]
        exact = index == len(forms) - 1 or not message.pluralizable
        allowed = set().union(*(brace_placeholders(s) for s in source))
        allowed_named = set().union(*(set(NAMED.findall(s)) for s in source))
        if python_format:
            named, positional, stray = python_placeholders(form)
            want_named, want_positional, _ = python_placeholders(reference)
            if (named != want_named) if exact else not named <= allowed_named:
                problems.append(f"form {index}: %(...)s {sorted(named)} vs {sorted(want_named)}")
            if positional != want_positional:
                problems.append(f"form {index}: positional {positional} vs {want_positional}")
            if stray:
                problems.append(f"form {index}: a lone % (write %% for a percent sign)")
        else:
            named = set(NAMED.findall(form))
            if (named != set(NAMED.findall(reference))) if exact else not named <= allowed_named:
                problems.append(f"form {index}: %(...)s {sorted(named)} in a string that has none")
        braces = brace_placeholders(form)
        if (braces != brace_placeholders(reference)) if exact else not braces <= allowed:
            problems.append(f"form {index}: {{...}} {sorted(braces)} vs {sorted(brace_placeholders(reference))}")
    return problems


@pytest.mark.parametrize("po_path", PO_FILES, ids=LANGUAGES)
def test_translations_keep_the_placeholders(po_path):
    catalog = read_catalog(po_path)
    problems = {ids_of(m)[0]: p for m in catalog if m.id and (p := placeholder_problems(m))}
    assert not problems, f"Placeholders that differ from the msgid in {po_path}: {problems}"


def render(text, **context):
    return Template("{% load i18n %}" + text).render(Context(context))


def label(field):
    return str(DonationForm.base_fields[field].label)


def test_donation_journey_in_vietnamese():
    with translation.override("vi"):
        how = label("payment_method")
        transfer = render('{% translate "Bank transfer / VietQR" %}')
        thanks = render('{% translate "Thank you" %}')
        donors = render(DONORS, n=5)
    assert how != "How will you pay?" and "thanh toán" in how
    assert transfer.startswith("Chuyển khoản") and "VietQR" in transfer
    assert "cảm ơn" in thanks
    assert donors == "5 nhà hảo tâm"


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ('{% translate "Thank you" %}', "Thank you"),
        ('{% translate "Continue" %}', "Continue"),
        ('{% translate "How will you pay?" %}', "How will you pay?"),
    ],
)
def test_donation_journey_in_arabic(text, source):
    with translation.override("ar"):
        result = render(text)
        assert translation.get_language_bidi()
    assert result != source
    assert ARABIC.search(result), result


def test_arabic_plurals_follow_arabic_grammar():
    with translation.override("ar"):
        forms = {n: render(DONORS, n=n) for n in (0, 1, 2, 3, 11, 100)}
    assert all(str(n) in text and ARABIC.search(text) for n, text in forms.items()), forms
    assert len({text.replace(str(n), "") for n, text in forms.items()}) >= 4, forms


def test_english_stays_english():
    with translation.override("en"):
        assert label("payment_method") == "How will you pay?"
        assert render('{% translate "Thank you" %}') == "Thank you"

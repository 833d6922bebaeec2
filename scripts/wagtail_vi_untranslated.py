"""List the Wagtail admin strings that still reach Vietnamese staff in English.

Wagtail's own Vietnamese catalogue covers a fraction of its admin; locale_wagtail/ fills the
screens staff use (docs/decisions/0016). After upgrading Wagtail, run

    .venv/bin/python scripts/wagtail_vi_untranslated.py [--under admin/templates/wagtailadmin/shared]
    .venv/bin/python scripts/wagtail_vi_untranslated.py --po > /tmp/missing.po
    .venv/bin/python scripts/wagtail_vi_untranslated.py --js    # the admin's JavaScript strings

The first form prints each msgid Django cannot translate into Vietnamese (through every catalogue
it loads: ours, the supplement, Wagtail's, Django's), with where Wagtail uses it; `--po` prints
them as .po entries to translate and paste into locale_wagtail/vi/LC_MESSAGES/django.po. It also
names supplement entries Wagtail no longer has (delete them). Then `make messages` compiles.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUPPLEMENT = ROOT / "locale_wagtail" / "vi" / "LC_MESSAGES" / "django.po"


def wagtail_messages(domain: str):
    """Every msgid of Wagtail's English catalogues for a domain, keyed by (context, id), with its
    source references prefixed by the Wagtail app they come from."""
    import wagtail
    from babel.messages.pofile import read_po

    package = Path(wagtail.__file__).resolve().parent
    messages = {}
    for po in sorted(package.glob(f"**/locale/en/LC_MESSAGES/{domain}.po")):
        app = po.parent.parent.parent.parent.relative_to(package.parent).as_posix()
        with open(po, "rb") as f:
            for message in read_po(f):
                if not message.id:
                    continue
                message.locations = [(f"{app}/{path}", line) for path, line in message.locations]
                entry = messages.setdefault((message.context, message.id), message)
                if entry is not message:
                    entry.locations.extend(message.locations)
    return messages


def translated(message, catalog) -> bool:
    if message.pluralizable:
        singular, plural = message.id
        if message.context:
            return catalog.npgettext(message.context, singular, plural, 2) != plural
        return catalog.ngettext(singular, plural, 2) != plural
    if message.context:
        return catalog.pgettext(message.context, message.id) != message.id
    return catalog.gettext(message.id) != message.id


def po_entry(message) -> str:
    def quoted(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [f"#: {path}" for path, _ in sorted(set(message.locations))]
    if "python-format" in message.flags:
        lines.append("#, python-format")
    if message.context:
        lines.append(f"msgctxt {quoted(message.context)}")
    if message.pluralizable:
        lines += [f"msgid {quoted(message.id[0])}", f"msgid_plural {quoted(message.id[1])}", 'msgstr[0] ""']
    else:
        lines += [f"msgid {quoted(message.id)}", 'msgstr ""']
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--under", default="", help="only strings used under this path, e.g. wagtail/admin/templates")
    parser.add_argument("--po", action="store_true", help="print .po entries to translate")
    parser.add_argument("--js", action="store_true", help="the admin's JavaScript strings (djangojs.po)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django
    from babel.messages.pofile import read_po
    from django.utils.translation.trans_real import DjangoTranslation

    django.setup()
    domain = "djangojs" if args.js else "django"
    messages = wagtail_messages(domain)
    # Vietnamese as Django serves it: our locale/, the supplement, the apps' catalogues.
    catalog = DjangoTranslation("vi", domain=domain)
    missing = [
        m
        for m in messages.values()
        if not translated(m, catalog) and any(path.startswith(args.under) for path, _ in m.locations)
    ]
    out = sys.stdout  # a command-line report: its output is the point
    missing.sort(key=lambda m: (min(path for path, _ in m.locations), str(m.id)))
    for message in missing:
        if args.po:
            out.write(po_entry(message) + "\n")
        else:
            where = min(path for path, _ in message.locations)
            out.write(f"{where}\t{message.id if not message.pluralizable else ' | '.join(message.id)}\n")

    with open(SUPPLEMENT.with_name(f"{domain}.po"), "rb") as f:
        supplement = read_po(f)
    gone = [
        m.id
        for m in supplement
        if m.id and (m.context, m.id) not in messages and not any(p.startswith("django/") for p, _ in m.locations)
    ]
    sys.stderr.write(f"{len(missing)} Wagtail strings ({domain}) have no Vietnamese.\n")
    for msgid in gone:
        sys.stderr.write(
            f"In {SUPPLEMENT.with_name(domain).relative_to(ROOT)}.po but no longer in Wagtail: {msgid!r}\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

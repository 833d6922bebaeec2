"""List the Wagtail admin strings that still reach Vietnamese staff in English.

Wagtail's own Vietnamese catalogue covers a fraction of its admin; locale_wagtail/ fills the
screens staff use (docs/decisions/0016). After upgrading Wagtail, run

    .venv/bin/python scripts/wagtail_vi_untranslated.py [--under admin/templates/wagtailadmin/shared]
    .venv/bin/python scripts/wagtail_vi_untranslated.py --po > /tmp/missing.po

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


def wagtail_messages():
    """Every msgid of Wagtail's English catalogues (django domain), keyed by (context, id), with
    its source references prefixed by the Wagtail app they come from."""
    import wagtail
    from babel.messages.pofile import read_po

    package = Path(wagtail.__file__).resolve().parent
    messages = {}
    for po in sorted(package.glob("**/locale/en/LC_MESSAGES/django.po")):
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


def translated(message) -> bool:
    from django.utils.translation import gettext, ngettext, npgettext, pgettext

    if message.pluralizable:
        singular, plural = message.id
        if message.context:
            return npgettext(message.context, singular, plural, 2) != plural
        return ngettext(singular, plural, 2) != plural
    if message.context:
        return pgettext(message.context, message.id) != message.id
    return gettext(message.id) != message.id


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
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django
    from babel.messages.pofile import read_po
    from django.utils import translation

    django.setup()
    messages = wagtail_messages()
    with translation.override("vi"):
        missing = [
            m
            for m in messages.values()
            if not translated(m) and any(path.startswith(args.under) for path, _ in m.locations)
        ]
    out = sys.stdout  # a command-line report: its output is the point
    missing.sort(key=lambda m: (min(path for path, _ in m.locations), str(m.id)))
    for message in missing:
        if args.po:
            out.write(po_entry(message) + "\n")
        else:
            where = min(path for path, _ in message.locations)
            out.write(f"{where}\t{message.id if not message.pluralizable else ' | '.join(message.id)}\n")

    with open(SUPPLEMENT, "rb") as f:
        supplement = read_po(f)
    gone = [
        m.id
        for m in supplement
        if m.id and (m.context, m.id) not in messages and not any(p.startswith("django/") for p, _ in m.locations)
    ]
    sys.stderr.write(f"{len(missing)} Wagtail strings have no Vietnamese.\n")
    for msgid in gone:
        sys.stderr.write(f"In {SUPPLEMENT.relative_to(ROOT)} but no longer in Wagtail: {msgid!r}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

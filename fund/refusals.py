"""Words that refusals in several apps share, so each sentence is one translatable string."""

from typing import Any

from django.utils.translation import gettext as _

from config.formats import number_display


def status_words(gift: Any) -> str:
    """A gift's (or monthly gift's) status as a refusal says it mid-sentence: "received", "đã nhận"."""
    return gift.get_status_display().lower()


def scholarship_count_refusal() -> str:
    return _("A scholarship gift needs the number of scholarships (1 to %(max)s).") % {
        "max": number_display(10_000, places=0)
    }

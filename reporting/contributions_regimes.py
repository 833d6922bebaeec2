"""Which law the annual contributions report answers to: a setting per centre
(CONTRIBUTIONS_REPORT_REGIME), because a social or charity fund publishes under Decree
93/2019/ND-CP (as amended by Decree 136/2024/ND-CP) and a Children's Protection Fund reports
under Circular 87/2008/TT-BTC. The regime words the report's title, legal basis and deadline; it
never changes a figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.checks import Error, register
from django.utils.translation import gettext as _

DECREE_93 = "decree-93"
CIRCULAR_87 = "circular-87"
REGIMES = (DECREE_93, CIRCULAR_87)


@dataclass(frozen=True)
class RegimeWords:
    code: str
    title: str
    legal_basis: str
    deadline: str


def regime_words(year: int, *, regime: str | None = None) -> RegimeWords:
    """The report's title, legal basis and deadline for ``year``, in the active language, under
    ``regime`` (default: the setting)."""
    code = regime or settings.CONTRIBUTIONS_REPORT_REGIME
    words = {"year": year, "next_year": year + 1}
    if code == CIRCULAR_87:
        return RegimeWords(
            code,
            _("Report on contributions to the Children's Protection Fund, %(year)s") % words,
            _(
                "Reported under Circular 87/2008/TT-BTC of the Ministry of Finance on the management and use of "
                "the Children's Protection Fund."
            ),
            _("Reported with the fund's financial report for %(year)s, by the date that report is due.") % words,
        )
    if code == DECREE_93:
        return RegimeWords(
            code,
            _("Public report of contributions received in %(year)s") % words,
            _(
                "Published under Decree 93/2019/ND-CP on the organisation and operation of social and charity "
                "funds, as amended by Decree 136/2024/ND-CP."
            ),
            _("To be published by 31 March %(next_year)s.") % words,
        )
    raise ValueError(f"Unknown contributions report regime {code!r}; expected one of {', '.join(REGIMES)}.")


@register()
def contributions_regime_known(app_configs=None, **kwargs):
    """A typo in the setting would otherwise surface only when someone downloads the report."""
    code = getattr(settings, "CONTRIBUTIONS_REPORT_REGIME", None)
    if code in REGIMES:
        return []
    return [
        Error(
            f"CONTRIBUTIONS_REPORT_REGIME is {code!r}.",
            hint=f"Set it to one of: {', '.join(REGIMES)}.",
            id="reporting.E001",
        )
    ]

from django.urls import path
from django.views.generic import RedirectView
from wagtail import hooks

from .admin_contributions import contributions_menu_item
from .admin_contributions import urlpatterns as contributions_urlpatterns
from .admin_views import fund_statement_menu_item
from .admin_views import urlpatterns as statement_urlpatterns
from .dashboard import dashboard_panels
from .reports.allocations import AllocationsReport
from .reports.gifts import GiftsReport
from .reports.pledges import PledgesDueReport
from .reports.scholarships import ScholarshipsReport
from .reports.stock import StockMovementsReport, StockOnHandReport

REPORTS = (
    GiftsReport,
    PledgesDueReport,
    AllocationsReport,
    StockOnHandReport,
    StockMovementsReport,
    ScholarshipsReport,
)


@hooks.register("register_admin_urls")
def register_fund_statement_urls():
    return statement_urlpatterns


@hooks.register("register_admin_urls")
def register_contributions_urls():
    return contributions_urlpatterns


@hooks.register("register_reports_menu_item")
def register_fund_statement_menu_item():
    return fund_statement_menu_item()


@hooks.register("construct_homepage_panels")
def add_dashboard_panels(request, panels):
    """Each role's panels on the admin home (reporting/dashboard.py)."""
    panels.extend(dashboard_panels(request))


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        *(url for report in REPORTS for url in report.urls()),
        # Pledges due were a screen under Bank transfers before they became a report: old
        # bookmarks land on the report.
        path("payments/pledges-due/", RedirectView.as_view(pattern_name="reporting_pledges_due")),
    ]


def _menu_item_hook(report):
    return lambda: report.menu_item()


for _report in REPORTS:
    hooks.register("register_reports_menu_item", _menu_item_hook(_report))


@hooks.register("register_reports_menu_item")
def register_contributions_menu_item():
    return contributions_menu_item()

from wagtail import hooks

from .admin_contributions import contributions_menu_item
from .admin_contributions import urlpatterns as contributions_urlpatterns
from .admin_views import fund_statement_menu_item
from .admin_views import urlpatterns as statement_urlpatterns


@hooks.register("register_admin_urls")
def register_fund_statement_urls():
    return statement_urlpatterns


@hooks.register("register_admin_urls")
def register_contributions_urls():
    return contributions_urlpatterns


@hooks.register("register_reports_menu_item")
def register_fund_statement_menu_item():
    return fund_statement_menu_item()


@hooks.register("register_reports_menu_item")
def register_contributions_menu_item():
    return contributions_menu_item()

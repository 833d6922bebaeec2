from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import NoDeletePolicy

from .admin_chooser import donor_chooser_viewset
from .admin_rights import DonorEraseView
from .admin_views import DonorViewSet
from .models import Donor

register_permission_policy(Donor, NoDeletePolicy(Donor))


@hooks.register("register_admin_viewset")
def register_donor_admin():
    return DonorViewSet("donors")


@hooks.register("register_admin_viewset")
def register_donor_chooser():
    return donor_chooser_viewset


@hooks.register("register_admin_urls")
def register_donor_rights_urls():
    return [path("donors/erase/<int:pk>/", DonorEraseView.as_view(), name="donor_erase")]


@hooks.register("register_log_actions")
def register_donor_log_actions(actions):
    # Words for a donor's History tab (DonorEraseView).
    actions.register_action("donors.erase", _("Erase personal data"), _("Personal data erased on request"))

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import NoDeletePolicy

from .admin_chooser import donor_chooser_viewset
from .admin_views import DonorViewSet
from .models import Donor

register_permission_policy(Donor, NoDeletePolicy(Donor))


@hooks.register("register_admin_viewset")
def register_donor_admin():
    return DonorViewSet("donors")


@hooks.register("register_admin_viewset")
def register_donor_chooser():
    return donor_chooser_viewset

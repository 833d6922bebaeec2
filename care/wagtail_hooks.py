from wagtail import hooks
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import ReadOnlyPolicy

from .admin_views import BeneficiaryViewSet
from .models import Beneficiary

# Case files are opened by care.services.beneficiary_admit, never by an admin form.
register_permission_policy(Beneficiary, ReadOnlyPolicy(Beneficiary))


@hooks.register("register_admin_viewset")
def register_care_admin():
    return BeneficiaryViewSet()

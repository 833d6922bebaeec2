from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import ReadOnlyPolicy

from .admin_allocations import AllocationViewSet
from .admin_views import BeneficiaryViewSet
from .models import Allocation, Beneficiary

# Case files are opened by care.services.beneficiary_admit and closed by beneficiary_discharge
# (care/admin_people.py), never by Wagtail's add or edit form; allocations
# change only through their steps' services (care/admin_allocations.py).
register_permission_policy(Beneficiary, ReadOnlyPolicy(Beneficiary))
register_permission_policy(Allocation, ReadOnlyPolicy(Allocation))


class CareAdminGroup(ModelViewSetGroup):
    menu_label = _("Care")
    menu_icon = "group"
    menu_order = 230  # after the money screens, before Wagtail's images (300)
    items = (BeneficiaryViewSet, AllocationViewSet)


@hooks.register("register_admin_viewset")
def register_care_admin():
    return CareAdminGroup()


@hooks.register("register_log_actions")
def register_care_log_actions(actions):
    # Words for an allocation's History tab (admin_action_log in care/admin_allocations.py).
    actions.register_action("care.allocation_propose", _("Propose"), _("Allocation proposed"))
    actions.register_action("care.allocation_approve", _("Approve"), _("Allocation approved"))
    actions.register_action("care.allocation_reject", _("Reject"), _("Allocation rejected"))
    actions.register_action("care.allocation_disburse", _("Disburse"), _("Allocation disbursed"))
    actions.register_action("care.allocation_cancel", _("Cancel"), _("Allocation cancelled"))
    actions.register_action("care.allocation_undeliverable", _("Undeliverable"), _("Allocation undeliverable"))
    actions.register_action("care.allocation_reverse", _("Reverse"), _("Allocation reversed"))
    # ... and of a case file's (care/admin_people.py).
    actions.register_action("care.beneficiary_admit", _("Admit"), _("Admitted into care"))
    actions.register_action("care.beneficiary_discharge", _("Departure"), _("Left care"))

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import PermissionMenuItem, ReadOnlyPolicy

from .admin_allocations import AllocationViewSet
from .admin_counts import StockCountViewSet
from .admin_evidence import evidence_urls
from .admin_scholarships import ScholarshipAwardViewSet
from .admin_stock import INTAKE_PERMISSION, IntakeView, StockMovementViewSet, StockViewSet
from .admin_views import BeneficiaryViewSet
from .models import Allocation, Beneficiary, Evidence, ScholarshipAward, StockCount, StockLine, StockMovement

# Case files are opened by care.services.beneficiary_admit and closed by beneficiary_discharge
# (care/admin_people.py), never by Wagtail's add or edit form; allocations, scholarships, stock
# and counts change only through their steps' services (care/admin_*.py). Evidence is attached
# through its service and never edited or deleted (a trigger refuses it).
for model in (Beneficiary, Allocation, ScholarshipAward, StockLine, StockMovement, StockCount, Evidence):
    register_permission_policy(model, ReadOnlyPolicy(model))


class CareAdminGroup(ModelViewSetGroup):
    menu_label = _("Care")
    menu_icon = "group"
    menu_order = 230  # after the money screens, before Wagtail's images (300)
    items = (
        BeneficiaryViewSet,
        AllocationViewSet,
        ScholarshipAwardViewSet,
        StockViewSet,
        StockMovementViewSet,
        StockCountViewSet,
    )
    submenu_hook = "register_care_menu_item"  # the intake form


@hooks.register("register_admin_viewset")
def register_care_admin():
    return CareAdminGroup()


@hooks.register("register_admin_urls")
def register_care_admin_urls():
    # /admin/care/evidence/<id>/ streams a file; /admin/care/evidence/attach/... uploads one.
    return [path("care/intake/", IntakeView.as_view(), name="stock_intake"), *evidence_urls()]


@hooks.register("register_care_menu_item")
def register_intake_menu_item():
    return PermissionMenuItem(
        _("Goods received"), reverse("stock_intake"), icon_name="download", order=10, permission=INTAKE_PERMISSION
    )


@hooks.register("register_log_actions")
def register_care_log_actions(actions):
    # Words for an allocation's or a count's History tab (admin_action_log in care/admin_*.py).
    actions.register_action("care.allocation_propose", _("Propose"), _("Allocation proposed"))
    actions.register_action("care.allocation_approve", _("Approve"), _("Allocation approved"))
    actions.register_action("care.allocation_reject", _("Reject"), _("Allocation rejected"))
    actions.register_action("care.allocation_disburse", _("Disburse"), _("Allocation disbursed"))
    actions.register_action("care.allocation_issue", _("Hand over"), _("Goods handed over"))
    actions.register_action("care.allocation_cancel", _("Cancel"), _("Allocation cancelled"))
    actions.register_action("care.allocation_undeliverable", _("Undeliverable"), _("Allocation undeliverable"))
    actions.register_action("care.allocation_reverse", _("Reverse"), _("Allocation reversed"))
    actions.register_action("care.stock_count_record", _("Record"), _("Stock count recorded"))
    actions.register_action("care.stock_count_approve", _("Approve"), _("Stock count approved"))
    actions.register_action("care.stock_count_reject", _("Reject"), _("Stock count rejected"))
    actions.register_action("care.evidence_attach", _("Attach evidence"), _("Evidence attached"))
    # A scholarship's History tab (care/admin_scholarship_actions.py).
    actions.register_action("care.scholarship_create", _("Award"), _("Scholarship awarded"))
    actions.register_action("care.scholarship_renew", _("Renew"), _("Scholarship renewed"))
    actions.register_action("care.scholarship_end", _("End"), _("Scholarship ended"))
    actions.register_action(
        "care.scholarship_enrolment_confirm", _("Confirm enrolment"), _("Term's enrolment confirmed")
    )
    actions.register_action("care.scholarship_release", _("Release"), _("Term released again"))
    actions.register_action("care.scholarship_pay", _("Pay"), _("Term paid"))
    actions.register_action("care.scholarship_acknowledge", _("Acknowledge"), _("Term acknowledged by the payee"))
    # ... and of a case file's (care/admin_people.py).
    actions.register_action("care.beneficiary_admit", _("Admit"), _("Admitted into care"))
    actions.register_action("care.beneficiary_discharge", _("Departure"), _("Left care"))

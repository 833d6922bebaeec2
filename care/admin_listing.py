"""What every care listing of support to a person shares (allocations, scholarships)."""

from __future__ import annotations

from django.utils.functional import cached_property

from fund.admin_money import MoneyExportIndexView

CASE_FILE_PERMISSION = "care.view_beneficiary"


class PersonHiddenIndexView(MoneyExportIndexView):
    """A listing of records about a person in care, read by finance roles too: the person's
    column is only for those who may open case files, and an export never has it."""

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("fund", "beneficiary")

    @cached_property
    def columns(self):
        columns = super().columns
        if self.request.user.has_perm(CASE_FILE_PERMISSION):
            return columns
        return [column for column in columns if column.name != "beneficiary"]

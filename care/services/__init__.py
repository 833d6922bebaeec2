"""Every write in the care app goes through these functions (one transaction, one audit entry)."""

from .allocations import (
    allocation_approve,
    allocation_cancel,
    allocation_disburse,
    allocation_propose,
    allocation_reject,
    allocation_reverse,
    allocation_undeliverable,
)
from .beneficiaries import beneficiary_admit
from .counts import stock_count_approve, stock_count_record, stock_count_reject
from .discharge import beneficiary_discharge
from .evidence import evidence_attach, evidence_require
from .goods import allocation_goods_issue, allocation_goods_propose
from .intake import stock_intake_record
from .scholarship_schedules import TermLine
from .scholarship_year_end import scholarship_award_end, scholarship_award_renew, scholarship_awards_end_for_leaver
from .scholarships import (
    scholarship_award_create,
    scholarship_term_acknowledge,
    scholarship_term_enrolment_confirm,
    scholarship_term_pay,
    scholarship_term_release,
)
from .stock import stock_intake_from_gift, stock_refund_from_gift

__all__ = [
    "allocation_approve",
    "allocation_cancel",
    "allocation_disburse",
    "allocation_goods_issue",
    "allocation_goods_propose",
    "allocation_propose",
    "allocation_reject",
    "allocation_reverse",
    "allocation_undeliverable",
    "beneficiary_admit",
    "stock_count_approve",
    "stock_count_record",
    "stock_count_reject",
    "stock_intake_from_gift",
    "stock_intake_record",
    "stock_refund_from_gift",
    "evidence_attach",
    "evidence_require",
    "scholarship_award_create",
    "scholarship_award_end",
    "scholarship_award_renew",
    "scholarship_awards_end_for_leaver",
    "scholarship_term_acknowledge",
    "scholarship_term_enrolment_confirm",
    "scholarship_term_pay",
    "scholarship_term_release",
    "TermLine",
    "beneficiary_discharge",
]

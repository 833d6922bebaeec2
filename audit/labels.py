"""Audit entries name their object by app label and model (``care.beneficiary``) and are never
rewritten, so a model that moves between apps leaves its older entries under the old label.
This table lets every reader find both: the entry stays as written, the question widens."""

# old label -> the label the model has now (docs/decisions/0013)
MOVED_OBJECT_TYPES = {
    "fund.beneficiary": "care.beneficiary",
    "fund.beneficiarysensitive": "care.beneficiarysensitive",
    "fund.bankstatement": "payments.bankstatement",
    "fund.banktransaction": "payments.banktransaction",
    "fund.cardpayment": "payments.cardpayment",
    "fund.stripeevent": "payments.stripeevent",
}


def object_type_now(label: str) -> str:
    """The label an entry's object has today."""
    return MOVED_OBJECT_TYPES.get(label, label)


def object_type_labels(label: str) -> list[str]:
    """Every label an object of this type was ever recorded under, the current one first."""
    current = object_type_now(label)
    return [current, *sorted(old for old, new in MOVED_OBJECT_TYPES.items() if new == current)]

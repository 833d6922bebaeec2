"""A donor's erasure, as far as payments go (donors.signals.donor_erased): the bank lines matched
to the person's gifts (as donor or as payer) lose the sender's name and the note, which banks
fill with the sender's own words; the line keeps its date, amount, bank reference and the gift
references found in the note, which is what the books need (docs/data-rights.md).

Bank lines are frozen by a trigger (fund/migrations/0006_freeze_payments.py); migration
payments/0007 lets these two columns of a matched line change only while an erasure has set
``chungtay.erasure`` for its own transaction, as this receiver does."""

from django.db import connection
from django.db.models import Q
from django.dispatch import receiver

from donors.services_rights import ERASED_TEXT, log_entries_relabel
from donors.signals import donor_erased

from .models import BankTransaction
from .services.bank_import import references_in

ERASURE_SETTING = "chungtay.erasure"


def masked_note(description: str) -> str:
    return " ".join([*references_in(description), ERASED_TEXT])


@receiver(donor_erased, dispatch_uid="payments.bank_lines_on_erasure")
def bank_lines_on_erasure(sender, donor, former, actor, **kwargs) -> dict[str, int]:
    lines = list(
        BankTransaction.objects.filter(Q(donation__donor=donor) | Q(donation__payer=donor))
        .select_for_update()
        .order_by("pk")
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [ERASURE_SETTING])
    try:
        for line in lines:
            line.description = masked_note(line.description) if line.description else ""
            line.counterparty = ERASED_TEXT if line.counterparty else ""
            line.save(update_fields=["description", "counterparty"])
            log_entries_relabel(line)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'off', true)", [ERASURE_SETTING])
    return {"bank_lines": len(lines)}

"""A donor's erasure, as far as receipts go (donors.signals.donor_erased).

The issued receipts stay exactly as issued (frozen, receipts/migrations/0002): they are the
accounting documents the law makes us keep. What goes: the address each receipt email went to
(an email not sent yet is given up: there is no address to send it to), and the portal's sign-in
links for the person's address. Listings and the verification page show the donor's current,
pseudonymised name (receipts.selectors.receipt_summary); docs/data-rights.md."""

from django.conf import settings
from django.db.models import Q
from django.dispatch import receiver

from donors.services_rights import log_entries_relabel
from donors.signals import donor_erased

from .models import PortalSignIn, ReceiptDelivery

GIVEN_UP = "Personal data erased: not sent."


@receiver(donor_erased, dispatch_uid="receipts.deliveries_on_erasure")
def deliveries_on_erasure(sender, donor, former, actor, **kwargs) -> dict[str, int]:
    deliveries = ReceiptDelivery.objects.filter(receipt__donor=donor)
    deliveries.exclude(status=ReceiptDelivery.Status.SENT).update(
        status=ReceiptDelivery.Status.FAILED,
        attempts=settings.RECEIPTS_DELIVERY_MAX_ATTEMPTS,
        last_error=GIVEN_UP,
    )
    count = deliveries.update(to_email="")
    for delivery in deliveries.select_related("receipt"):
        log_entries_relabel(delivery)
    links = 0
    if former.email:
        links, _ = PortalSignIn.objects.filter(
            Q(email__iexact=former.email) | Q(change_from__iexact=former.email)
        ).delete()
    return {"receipt_emails": count, "portal_links": links}

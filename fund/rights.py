"""A donor's erasure, as far as gifts go (donors.signals.donor_erased): a gift's message is the
person's own words and goes; the gift is anonymous from now on, so no public page names it
again. What was given, when, to which fund and its reference stay (docs/data-rights.md)."""

from django.db.models import Q
from django.dispatch import receiver

from donors.signals import donor_erased

from .models import Donation, RecurringGift


@receiver(donor_erased, dispatch_uid="fund.gifts_on_erasure")
def gifts_on_erasure(sender, donor, former, actor, **kwargs) -> dict[str, int]:
    gifts = Donation.objects.filter(Q(donor=donor) | Q(payer=donor))
    messages = gifts.exclude(message="").update(message="")
    gifts.filter(is_anonymous=False).update(is_anonymous=True)
    RecurringGift.objects.filter(Q(donor=donor) | Q(payer=donor), is_anonymous=False).update(is_anonymous=True)
    return {"gift_messages": messages}

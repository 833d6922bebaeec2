"""What other apps may react to, without the fund app knowing them (receipts are issued for
received gifts; the arrows point into ``fund``, never out of it).

Both are sent inside the transaction that made the change: a receiver that must act only once
the change is committed registers ``transaction.on_commit`` itself.
"""

from django.dispatch import Signal

# Sent with donation=<Donation>, actor=<user or None> when a gift becomes received.
donation_received = Signal()

# Sent with donation=<Donation>, reason=<str>, actor=<user or None> when a received gift is refunded.
donation_refunded = Signal()

"""What other apps may react to, without donors knowing them: the arrows point into ``donors``,
never out of it (fund, payments and receipts hold gifts, bank lines and emails that show a person).
"""

from django.dispatch import Signal

# Sent inside the erasure's transaction with donor=<Donor, already pseudonymised>,
# former=<ErasedDetails: what the record held before>, actor=<user or None>. A receiver masks
# what its app holds about the person and returns {what: how many} for the audit entry's counts
# (never the data itself). A receiver that raises rolls the whole erasure back.
donor_erased = Signal()

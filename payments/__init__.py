"""How money arrives: card payments and monthly gifts through Stripe, bank transfers (VietQR,
statement import, matching, the review queue, bank notifications). Depends on fund and donors,
never the other way: fund learns of a payment only through its services."""

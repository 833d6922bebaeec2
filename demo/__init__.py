"""The demo centre: fictitious funds, donors, gifts, case files, a public site and a letterhead,
all written through the other apps' services exactly as staff and donors would write them.

It sits above every other app and nothing imports it: production code never depends on demo
data. `make run` calls its commands (seed_receipts, seed_demo, seed_site, demo_bank_statement).
"""

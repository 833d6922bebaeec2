"""`manage.py demo_bank_statement -o FILE.csv`: a bank statement to try the import with.

It is written from the pledges waiting for a transfer now, the way a bank would list them: most
paid in full with the reference in a messy transfer note, one paid short, one line twice (two
real transfers), one with no reference, plus a line that is not a gift and an outgoing one. Import
it in the admin (Bank transfers > Import bank statement), then import it again: nothing changes.
"""

import csv
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fund.models import Donation


class Command(BaseCommand):
    help = "Write a demo CSV bank statement that pays some of the current bank-transfer pledges."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="CSV file to write")

    def handle(self, *args, output, **options):
        pledges = list(
            Donation.objects.filter(
                status=Donation.Status.PLEDGED,
                channel=Donation.Channel.BANK_TRANSFER,
                amount_currency="VND",
                commitment__isnull=True,
            ).order_by("pledged_at", "pk")[:6]
        )
        if len(pledges) < 3:
            raise CommandError("Fewer than 3 bank-transfer pledges are waiting; give a few on the site first.")
        today = timezone.localdate()
        rows = []
        for number, pledge in enumerate(pledges):
            day = max(timezone.localdate(pledge.pledged_at), today - datetime.timedelta(days=2))
            amount = int(pledge.amount.amount)
            code = pledge.reference
            if number == 0:
                note = f"{pledge.donor.name.upper()} CHUYEN TIEN UNG HO {code[:5]} {code[5:]}"
            elif number == 1:
                amount //= 2  # paid short: waits for review
                note = f"UNG HO QUY {code}"
            else:
                note = f"IBFT {code} ung ho tre em"
            rows.append((day, f"FT{day:%y%m%d}{number:04d}", note, amount, pledge.donor.name))
        rows.append(rows[-1][:1] + (rows[-1][1] + "B",) + rows[-1][2:])  # the same transfer made twice
        rows.append((today, f"FT{today:%y%m%d}9001", "TIEN LAI THANG", 12345, "NGAN HANG"))  # interest
        rows.append((today, f"FT{today:%y%m%d}9002", "ung ho cac chau", 300000, "NGUYEN VAN A"))  # no code
        with open(output, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["Ngày giao dịch", "Mã giao dịch", "Nội dung", "Số tiền ghi có", "Số tiền ghi nợ", "Tên người chuyển"]
            )
            for day, txn, note, amount, name in rows:
                writer.writerow([f"{day:%d/%m/%Y}", txn, note, f"{amount:,}".replace(",", "."), "", name])
            writer.writerow([f"{today:%d/%m/%Y}", f"FT{today:%y%m%d}9003", "PHI DICH VU", "", "11.000", "NGAN HANG"])
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(rows) + 1} lines to {output}."))

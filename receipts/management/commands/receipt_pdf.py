"""Write one receipt or statement as PDF: ``manage.py receipt_pdf CT-2026-000001 -o receipt.pdf``
(``-o -`` writes the PDF to standard output)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from receipts.models import Receipt
from receipts.pdf import receipt_pdf_bytes


class Command(BaseCommand):
    help = "Render a receipt or statement, by its number, as the PDF the donor gets."

    def add_arguments(self, parser):
        parser.add_argument("number", help="The receipt's number, e.g. CT-2026-000001.")
        parser.add_argument(
            "-o", "--output", required=True, help="File to write, or - for standard output.", metavar="FILE"
        )

    def handle(self, *args, number: str, output: str, **options):
        receipt = Receipt.objects.filter(number=number.strip()).first()
        if receipt is None:
            raise CommandError(f"No receipt or statement numbered {number!r}.")
        pdf = receipt_pdf_bytes(receipt)
        if output == "-":
            # Bytes straight to stdout's buffer: self.stdout is a text stream.
            stream = getattr(self.stdout, "_out", sys.stdout)
            stream = getattr(stream, "buffer", stream)
            stream.write(pdf)
            stream.flush()
            return
        try:
            with open(output, "wb") as handle:
                handle.write(pdf)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from error
        self.stderr.write(f"{receipt.number}: {len(pdf):,} bytes written to {output}")

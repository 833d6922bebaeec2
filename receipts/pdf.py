"""Receipt PDFs (WeasyPrint). Placeholder layout; the full template follows."""

from django.template.loader import render_to_string
from weasyprint import HTML

from .models import Receipt


def receipt_pdf_bytes(receipt: Receipt) -> bytes:
    html = render_to_string("receipts/pdf/receipt.html", {"receipt": receipt, "content": receipt.content})
    return HTML(string=html).write_pdf()

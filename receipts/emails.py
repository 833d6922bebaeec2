"""The email that carries a receipt, in the receipt's language, with its PDF attached."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.utils import translation

from .models import ReceiptDelivery
from .pdf import receipt_pdf_bytes


def receipt_email_build(delivery: ReceiptDelivery) -> EmailMessage:
    receipt = delivery.receipt
    with translation.override(receipt.language):
        context = {"receipt": receipt, "content": receipt.content}
        subject = render_to_string("receipts/email/receipt_subject.txt", context).strip()
        body = render_to_string("receipts/email/receipt_body.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_email],
        # One Message-ID per delivery row: a message sent twice after a crash is recognisably
        # the same message.
        headers={"Message-ID": f"<receipt-delivery-{delivery.pk}@{DNS_NAME}>"},
    )
    message.attach(f"{receipt.number}.pdf", receipt_pdf_bytes(receipt), "application/pdf")
    return message

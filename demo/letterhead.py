"""Demo identity, letterhead and wording for receipts. Runs before the demo gifts are recorded, so
their receipts are issued with it; changes nothing once they are set."""

from __future__ import annotations

from django.db import transaction

from fund.models import Organisation
from receipts.models import ReceiptSettings

# Settings > Organisation: who the centre is, on the public pages and on every receipt.
ORGANISATION = {
    "name": "Trung tâm Bảo trợ xã hội tỉnh (demo)",
    "address": "123 Đường Hùng Vương, Phường 1, Thành phố Demo",
    "tax_code": "0100000001",
    "phone": "0200 3456 789",
    "email": "quy@example.org",
    "website": "localhost:8000",
}

# Settings > Receipts: what only receipts print.
LETTERHEAD = {
    "signatory_name": "Nguyễn Văn Giám Đốc",
    "signatory_title_vi": "Giám đốc Trung tâm",
    "signatory_title_en": "Director of the Centre",
    "thanks_vi": (
        "Thay mặt các em nhỏ tại Trung tâm, chúng tôi trân trọng cảm ơn tấm lòng của quý nhà hảo tâm. "
        "Mỗi khoản đóng góp được ghi vào sổ cái công khai của Quỹ."
    ),
    "thanks_en": (
        "On behalf of the children in our care, thank you for your generosity. "
        "Every gift is recorded in the Fund's public ledger."
    ),
    "footer_vi": "Biên nhận này được cấp tự động và có thể kiểm tra bằng mã QR.",
    "footer_en": "This receipt was issued automatically and can be checked with its QR code.",
}


@transaction.atomic
def receipt_settings_seed() -> bool:
    """Fill Settings > Organisation and Settings > Receipts with the demo values, each only while
    it is empty; returns whether anything changed."""
    changed = False
    organisation = Organisation.load()
    if not organisation.name:
        for name, value in ORGANISATION.items():
            setattr(organisation, name, value)
        organisation.save()
        changed = True
    settings = ReceiptSettings.load()
    if not settings.signatory_name:
        for name, value in LETTERHEAD.items():
            setattr(settings, name, value)
        settings.save()
        changed = True
    return changed

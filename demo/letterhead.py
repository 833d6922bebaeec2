"""Demo letterhead and wording for receipts. Runs before the demo gifts are recorded, so their
receipts are issued with it; changes nothing once the organisation name is set."""

from __future__ import annotations

from receipts.models import ReceiptSettings

LETTERHEAD = {
    "organisation_name": "Trung tâm Bảo trợ xã hội tỉnh (demo)",
    "address": "123 Đường Hùng Vương, Phường 1, Thành phố Demo",
    "tax_code": "0100000001",
    "phone": "0200 3456 789",
    "email": "quy@example.org",
    "website": "localhost:8000",
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


def receipt_settings_seed() -> bool:
    """Fill Settings > Receipts with the demo letterhead; returns whether anything changed."""
    settings = ReceiptSettings.load()
    if settings.organisation_name:
        return False
    for name, value in LETTERHEAD.items():
        setattr(settings, name, value)
    settings.save()
    return True

from .deliveries import ReceiptDelivery
from .numbering import ReceiptCounter
from .portal import PortalSignIn
from .receipts import Receipt
from .settings import ReceiptSettings

__all__ = ["PortalSignIn", "Receipt", "ReceiptCounter", "ReceiptDelivery", "ReceiptSettings"]

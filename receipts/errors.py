class ReceiptError(Exception):
    """A receipt operation that cannot be done as asked; the message says why, for an operator."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotReceivable(ReceiptError):
    """The gift is not (or no longer) received, so it gets no receipt."""


class AlreadyVoid(ReceiptError):
    pass


class NoEmailAddress(ReceiptError):
    pass

from django.core.exceptions import ValidationError


class DonorError(ValidationError):
    """A donor's details are not acceptable; the message says which field and why."""

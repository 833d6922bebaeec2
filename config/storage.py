"""Storage for files that must never be served publicly (evidence of support given to a child).

Both classes refuse to make a URL: nothing may link to such a file. The back office streams it
through a view that checks the permission and audits the download (care.admin_evidence).
"""

from django.core.files.storage import FileSystemStorage


class PrivateUrlRefused(ValueError):
    """A template or view asked for a private file's URL: there is none, by design."""


class PrivateFileSystemStorage(FileSystemStorage):
    """Files in a directory outside MEDIA_ROOT and STATIC_ROOT (settings.EVIDENCE_ROOT; a system
    check refuses a directory inside them), readable by the server's user alone."""

    def url(self, name):
        raise PrivateUrlRefused("Private files have no URL: stream them through a permission-checked view.")

"""The S3-compatible counterpart of config.storage.PrivateFileSystemStorage (django-storages),
chosen when EVIDENCE_S3_BUCKET is set. Its own module, so installs on a filesystem never import
boto3."""

from storages.backends.s3 import S3Storage

from config.storage import PrivateUrlRefused


class PrivateS3Storage(S3Storage):
    """Objects written with a private ACL, never overwritten, and no URL at all: with
    querystring auth off (we stream) S3Storage would print a plain URL, which a misconfigured
    bucket policy could make public."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise PrivateUrlRefused("Private files have no URL: stream them through a permission-checked view.")

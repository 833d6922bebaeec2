"""System checks: evidence files must never sit where the web server or Django serves files."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.checks import Error, register
from django.core.files.storage import FileSystemStorage, storages


def _inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


@register()
def evidence_storage_private(app_configs=None, **kwargs):
    if "evidence" not in settings.STORAGES:
        return [Error("STORAGES has no 'evidence' entry.", id="care.E001")]
    storage = storages["evidence"]
    if not isinstance(storage, FileSystemStorage):
        return []  # S3: private ACL, no URL (config.storage_s3)
    location = Path(storage.location).resolve()
    public = {"MEDIA_ROOT": settings.MEDIA_ROOT, "STATIC_ROOT": settings.STATIC_ROOT}
    public.update({f"static files directory {where}": where for where in _static_dirs()})
    return [
        Error(
            f"Evidence files are stored in {location}, inside {name} ({root}), which is served publicly.",
            hint="Set EVIDENCE_ROOT to a directory outside MEDIA_ROOT and STATIC_ROOT.",
            id="care.E002",
        )
        for name, root in public.items()
        if root and _inside(location, Path(root).resolve())
    ]


def _static_dirs() -> list[str]:
    found = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            if isinstance(storage, FileSystemStorage):
                found.append(storage.location)
    return found

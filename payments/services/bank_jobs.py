"""Statement imports run as jobs: the upload is kept on the private storage and a worker reads
it row by row, stores its lines and matches them in chunks, reporting progress on the job row.
The admin's upload and `manage.py bank_import` both come here; the outcome is the one
bank_statement_import gives for the same file.

A job runs in three steps, each safe to run again after a lost worker:
1. reading: every row parsed and checked, the lines staged under the job (BankImportLine), a few
   thousand per transaction. A bad row refuses the whole file: the staged lines are dropped and
   the job fails naming the rows; no statement, line or gift is touched.
2. storing, in one transaction: the lines' fingerprints computed in the database (the same keys
   as payments.bank_statements.line_fingerprints), the BankStatement created, and the staged
   lines copied in with ON CONFLICT DO NOTHING on the unique fingerprint: a line already stored
   by another import, or by one storing at this moment, is stored once.
3. matching: the statement's waiting lines decided in chunks (services.bank_matching).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Collection
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.transaction import atomic
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from audit.services import audit_record
from config.actors import actor_user
from fund.errors import FundError
from fund.money import currency_check

from ..bank_columns import MAPPING_PRESETS, ColumnMapping
from ..bank_statements import ParsedStatement, bank_id_fingerprint, line_content
from ..bank_stream import statement_stream
from ..bank_values import BankStatementError
from ..models import BankImportJob, BankImportLine, BankStatement, BankTransaction
from .bank_import import _WAITING, statement_store_lock
from .bank_matching import MatchContext, PledgeWindow, Tally, settle_reasons, statement_match

logger = logging.getLogger(__name__)

STORAGE_ALIAS = "evidence"  # private: never served, no URL (config.storage)
_JOB_LOCK = 0x43540005  # advisory lock namespace: one worker per job
_SEP = "\x1f"

Progress = Callable[[BankImportJob], None]


# --- Creating ----------------------------------------------------------------------------------


def mapping_store(mapping: ColumnMapping | str) -> dict:
    if isinstance(mapping, str):
        if mapping not in MAPPING_PRESETS:
            raise BankStatementError(_("Unknown column preset %(preset)r.") % {"preset": mapping})
        return {"preset": mapping}
    return {
        "columns": {
            key: [str(name) for name in value] if isinstance(value, tuple) else str(value)
            for key, value in dataclasses.asdict(mapping).items()
        }
    }


def mapping_load(stored: dict) -> ColumnMapping:
    if "preset" in stored:
        return MAPPING_PRESETS[stored["preset"]]
    return ColumnMapping(
        **{key: tuple(value) if isinstance(value, list) else value for key, value in stored["columns"].items()}
    )


def bank_import_job_create(
    *,
    upload: Any = None,
    filename: str = "",
    mapping: ColumnMapping | str = "generic",
    currency: str | None = None,
    queue: bool = True,
    actor: Any = None,
) -> BankImportJob:
    """A job for a statement file: ``upload`` (a Django File) is kept on the private storage
    and, with ``queue``, the job is handed to a worker once this transaction commits. Without
    an upload the caller runs the job on a file of its own (``bank_import_job_run(path=…)``)."""
    currency = currency_check(currency or settings.DEFAULT_CURRENCY)
    filename = (filename or getattr(upload, "name", "") or "").strip()[:255]
    with atomic():
        stored_name = ""
        if upload is not None:
            safe = get_valid_filename(os.path.basename(filename) or "statement")[-80:]
            name = f"bank-statements/{timezone.now():%Y/%m}/{uuid.uuid4().hex}-{safe}"
            stored_name = storages[STORAGE_ALIAS].save(name, upload)
        job = BankImportJob.objects.create(
            filename=filename,
            stored_name=stored_name,
            mapping=mapping_store(mapping),
            currency=currency,
            created_by=actor_user(actor),
        )
        audit_record(
            actor=actor,
            action="bank_import_job.create",
            obj=job,
            data={"filename": filename, "mapping": job.mapping, "currency": currency},
        )
        if queue and stored_name:
            job_queue_on_commit(job.pk)
    return job


def job_queue_on_commit(job_id: int) -> None:
    """Hand the job to a worker once the caller's transaction commits (no worker reads an
    uncommitted job). A broker that is down is logged: the sweep queues the job again."""
    transaction.on_commit(partial(_job_send, job_id))


def _job_send(job_id: int) -> None:
    from ..tasks import bank_import_job_run_task  # noqa: PLC0415 - the task module imports this one

    try:
        bank_import_job_run_task.delay(job_id)
    except Exception:  # noqa: BLE001 - with the eager worker a failure is recorded on the job
        logger.warning("Could not queue bank import %s; the sweep will queue it again", job_id, exc_info=True)


def bank_import_job_retry(*, job: BankImportJob, actor: Any = None) -> BankImportJob:
    """Queue a failed job again: a file refused for a bad row is read again (perhaps with
    other columns chosen), a job stopped while matching goes on from where it stopped."""
    with atomic():
        job = BankImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != BankImportJob.Status.FAILED:
            raise FundError(_("Only a failed import can be run again."))
        if not job.stored_name:
            raise FundError(_("This import read a file on the server: run the command again."))
        job.status = BankImportJob.Status.QUEUED
        job.error = ""
        job.save(update_fields=["status", "error"])
        audit_record(actor=actor, action="bank_import_job.retry", obj=job, data={"attempts": job.attempts})
        job_queue_on_commit(job.pk)
    return job


# --- Running -----------------------------------------------------------------------------------


def bank_import_job_run(*, job_id: int, path: str | None = None, progress: Progress | None = None) -> BankImportJob:
    """Run (or go on with) a job to its end. Returns the job, done or failed; a job another
    worker is running is returned as it stands. Errors other than a refused file are recorded
    on the job and raised, for the task to retry."""
    with _job_lock(job_id) as mine:
        job = BankImportJob.objects.get(pk=job_id)
        if not mine or job.status in (BankImportJob.Status.DONE, BankImportJob.Status.FAILED):
            return job
        _job_update(job, attempts=job.attempts + 1, started_at=job.started_at or timezone.now(), error="")
        try:
            if job.statement_id is None:
                with _local_file(job, path) as local:
                    parsed = _read(job, local, progress)
                    if parsed is None:
                        return job
                    _store(job, parsed, local)
            _match(job, progress)
        except Exception as exc:
            logger.exception("Bank import %s stopped", job.pk)
            _job_update(job, error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        return job


@contextmanager
def _job_lock(job_id: int):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_JOB_LOCK, job_id])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_JOB_LOCK, job_id])


@contextmanager
def _local_file(job: BankImportJob, path: str | None):
    """A path on this machine: the caller's, the storage's own, or a temporary copy (S3)."""
    if path is not None:
        yield path
        return
    if not job.stored_name:
        raise FundError(_("The statement file of import %(job)s is not on the storage.") % {"job": job.pk})
    storage = storages[STORAGE_ALIAS]
    try:
        yield storage.path(job.stored_name)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=os.path.splitext(job.filename)[1]) as copy:
        with storage.open(job.stored_name, "rb") as source:
            shutil.copyfileobj(source, copy, 1024 * 1024)
        copy.flush()
        yield copy.name


def _job_update(job: BankImportJob, **fields: Any) -> None:
    fields["heartbeat_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    BankImportJob.objects.filter(pk=job.pk).update(**fields)


_COPY_COLUMNS = (
    "job_id",
    "row",
    "booked_on",
    "amount",
    "amount_currency",
    "description",
    "counterparty",
    "bank_reference",
    "content",
    "fingerprint",
    "reason",
)


def _read(job: BankImportJob, path: str, progress: Progress | None) -> ParsedStatement | None:
    """Step 1: stage every line; None (and the job failed) when the file is refused."""
    table = BankImportLine._meta.db_table
    _staged_drop(job.pk)  # a reading cut short before
    _job_update(job, status=BankImportJob.Status.READING, lines_read=0)
    parsed = ParsedStatement(lines=[], currency=job.currency)
    read = 0
    try:
        chunks = statement_stream(
            path=path, filename=job.filename, mapping=mapping_load(job.mapping), currency=job.currency, parsed=parsed
        )
        window = PledgeWindow()
        for chunk in chunks:
            reasons = settle_reasons(chunk, window)
            with atomic(), connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
                    for line, reason in zip(chunk, reasons, strict=True):
                        if line.bank_reference:
                            content, fingerprint = "", bank_id_fingerprint(line.bank_reference)
                        else:
                            content, fingerprint = _SEP.join(("line", *line_content(line))), ""
                        copy.write_row(
                            (
                                job.pk,
                                line.row,
                                line.booked_on,
                                line.amount.amount,
                                line.amount.currency.code,
                                line.description,
                                line.counterparty,
                                line.bank_reference,
                                content,
                                fingerprint,
                                reason,
                            )
                        )
            read += len(chunk)
            _job_update(job, lines_read=read)
            if progress is not None:
                progress(job)
    except BankStatementError as exc:
        _staged_drop(job.pk)
        _job_update(job, status=BankImportJob.Status.FAILED, error="\n".join(exc.messages), finished_at=timezone.now())
        audit_record(actor=job.created_by, action="bank_import_job.refused", obj=job, data={"errors": exc.messages})
        return None
    return parsed


def _staged_drop(job_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {BankImportLine._meta.db_table} WHERE job_id = %s", [job_id])  # noqa: S608


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _store(job: BankImportJob, parsed: ParsedStatement, path: str) -> None:
    """Step 2, in one transaction."""
    _analyze(BankImportLine)
    staged = BankImportLine._meta.db_table
    lines = BankTransaction._meta.db_table
    sha256 = _sha256(path)
    with atomic():
        with connection.cursor() as cursor:
            # The key of a line without a bank id: its content and how many identical lines came
            # before it in the file (bank_statements.line_fingerprints, in SQL).
            cursor.execute(
                f"UPDATE {staged} AS l SET fingerprint = encode(sha256(convert_to("  # noqa: S608 - our tables
                "l.content || chr(31) || (s.n - 1)::text, 'UTF8')), 'hex') "
                f"FROM (SELECT id, row_number() OVER (PARTITION BY content ORDER BY row) AS n FROM {staged} "
                "WHERE job_id = %s AND content <> '') AS s WHERE l.id = s.id",
                [job.pk],
            )
        statement_store_lock()
        statement = BankStatement.objects.create(
            source=BankStatement.Source.FILE,
            filename=job.filename,
            sha256=sha256,
            imported_by=job.created_by,
            line_count=job.lines_read,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {lines} (statement_id, fingerprint, booked_on, amount, amount_currency, "  # noqa: S608
                "description, counterparty, bank_reference, status, reason) "
                "SELECT %s, fingerprint, booked_on, amount, amount_currency, description, counterparty, "
                f"bank_reference, %s, reason FROM {staged} WHERE job_id = %s ORDER BY row "
                "ON CONFLICT (fingerprint) DO NOTHING",
                [statement.pk, BankTransaction.Status.REVIEW, job.pk],
            )
            new = cursor.rowcount
        statement.new_count = new
        statement.save(update_fields=["new_count"])
        audit_record(
            actor=job.created_by,
            action="bank_statement.import",
            obj=statement,
            data={
                "source": statement.source,
                "filename": job.filename,
                "lines": job.lines_read,
                "new": new,
                "skipped_outgoing": parsed.skipped_outgoing,
                "skipped_zero": parsed.skipped_zero,
                "skipped_undated": parsed.skipped_undated,
                "job": job.pk,
            },
        )
        _job_update(
            job,
            statement=statement,
            status=BankImportJob.Status.MATCHING,
            line_count=job.lines_read,
            new_count=new,
        )
    _analyze(BankTransaction)  # a million new rows: the planner must know, for the matching's queries


def _analyze(model) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {model._meta.db_table}")


def _in_job_file(job_id: int) -> Callable[[Collection[str]], set[str]]:
    def in_file(fingerprints: Collection[str]) -> set[str]:
        wanted = sorted(set(fingerprints))
        found: set[str] = set()
        for start in range(0, len(wanted), 5000):
            found.update(
                BankImportLine.objects.filter(job_id=job_id, fingerprint__in=wanted[start : start + 5000]).values_list(
                    "fingerprint", flat=True
                )
            )
        return found

    return in_file


def _match(job: BankImportJob, progress: Progress | None) -> None:
    """Step 3, a chunk per transaction; after a lost worker, the lines still waiting."""
    statement = job.statement
    waiting = BankTransaction.objects.filter(statement=statement, reason=_WAITING).exists()
    done_before = BankTransaction.objects.filter(statement=statement).exclude(reason=_WAITING)
    base = Tally(
        decided=done_before.count(),
        matched=done_before.filter(status=BankTransaction.Status.MATCHED).count(),
    )
    base.review = base.decided - base.matched

    def report(tally: Tally) -> None:
        _job_update(
            job,
            decided_count=base.decided + tally.decided,
            matched_count=base.matched + tally.matched,
            review_count=base.review + tally.review,
        )
        if progress is not None:
            progress(job)

    if waiting:
        context = MatchContext(in_file=_in_job_file(job.pk), actor=job.created_by)
        statement_match(statement_id=statement.pk, context=context, progress=report)
    matched = BankTransaction.objects.filter(statement=statement, status=BankTransaction.Status.MATCHED).count()
    statement.matched_count = matched
    statement.review_count = statement.new_count - matched
    BankStatement.objects.filter(pk=statement.pk).update(matched_count=matched, review_count=statement.review_count)
    _staged_drop(job.pk)
    _job_update(
        job,
        status=BankImportJob.Status.DONE,
        decided_count=statement.new_count,
        matched_count=matched,
        review_count=statement.review_count,
        finished_at=timezone.now(),
    )
    if progress is not None:
        progress(job)


# --- Lost jobs ---------------------------------------------------------------------------------


def bank_import_jobs_sweep(*, now: Any = None) -> dict[str, int]:
    """Jobs whose worker went quiet (no progress for BANK_IMPORT_STALE_MINUTES): queued again,
    or failed after BANK_IMPORT_MAX_ATTEMPTS, saying so."""
    now = now or timezone.now()
    stale = now - timezone.timedelta(minutes=settings.BANK_IMPORT_STALE_MINUTES)
    requeued = failed = 0
    for job in BankImportJob.objects.filter(status__in=BankImportJob.ACTIVE).exclude(stored_name=""):
        last = job.heartbeat_at or job.created_at
        if last > stale:
            continue
        if job.attempts >= settings.BANK_IMPORT_MAX_ATTEMPTS:
            _job_update(
                job,
                status=BankImportJob.Status.FAILED,
                error=(job.error + "\n" if job.error else "") + f"Stopped after {job.attempts} attempts.",
                finished_at=now,
            )
            failed += 1
            continue
        _job_update(job)
        job_queue_on_commit(job.pk)
        requeued += 1
    return {"requeued": requeued, "failed": failed}

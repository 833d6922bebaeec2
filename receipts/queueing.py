"""Handing work to Celery by task name, once the caller's transaction commits, without letting a
broker that is down turn a committed change into an error: the row that describes the work (a gift without its
receipt, a queued delivery) stays, and the sweep queues it again later."""

import logging
from functools import partial

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def _task(task_name: str):
    """The task registered under ``task_name`` (its own ``delay`` honours eager mode), or, in a
    process that never imported it, a signature that sends the message by name. Queueing by
    name is what lets services queue work without importing the task modules that import them."""
    task = current_app.tasks.get(task_name)
    if task is not None:
        return task
    if current_app.conf.task_always_eager:
        # Eager runs the task in this process, which it cannot do with only a name: fail loudly
        # rather than hand the work to a broker that is not there.
        raise LookupError(f"No task named {task_name!r} is registered (is receipts.tasks imported?).")
    return current_app.signature(task_name)


def task_queue(task_name: str, *args) -> None:
    """Queue now; a broker that is down raises (the sweep wants to know)."""
    _task(task_name).delay(*args)


def task_queue_or_log(task_name: str, *args) -> None:
    """Queue now; a broker that is down is logged, and the row that describes the work (or the
    person who asked) brings it back later."""
    try:
        task_queue(task_name, *args)
    except LookupError:
        raise
    except Exception:  # broker down: left to the sweep
        logger.warning("Could not queue %s%s; the sweep will send it to a worker later", task_name, args, exc_info=True)


def queue_on_commit(task_name: str, *args) -> None:
    """Queue once the caller's transaction commits, so no worker reads uncommitted rows."""
    transaction.on_commit(partial(task_queue_or_log, task_name, *args))

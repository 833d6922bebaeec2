"""Handing work to Celery once the caller's transaction commits, without letting a broker that is
down turn a committed change into an error: the row that describes the work (a gift without its
receipt, a queued delivery) stays, and the sweep queues it again later."""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def _delay_or_log(task, *args) -> None:
    try:
        task.delay(*args)
    except Exception:  # broker down: left to the sweep
        logger.warning("Could not queue %s%s; the sweep will send it to a worker later", task.name, args, exc_info=True)


def queue_on_commit(task, *args) -> None:
    transaction.on_commit(partial(_delay_or_log, task, *args))

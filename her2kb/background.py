"""
Work that no request waits for: a Celery task when a worker runs, a thread beside the request when tasks run
in-process (the embedded default: no Redis, no worker), so the site never blocks on a rebuild.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from celery import Task
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def start_in_background(task: Task, run_here: Callable[[], object], *, name: str) -> None:
    """Queue `task`, or — with tasks run in-process (settings.TASKS_IN_THREAD) — call `run_here` in a thread of its
    own named `name`."""
    if settings.TASKS_IN_THREAD:
        threading.Thread(target=_run_in_thread, args=(run_here, name), name=name, daemon=True).start()
    else:
        task.delay()


def _run_in_thread(run_here: Callable[[], object], name: str) -> None:
    try:
        run_here()
    except Exception:  # a thread's failure would go unseen: log it; the next request queues another
        logger.exception("%s failed", name)
    finally:
        connections.close_all()  # this thread's own database connections

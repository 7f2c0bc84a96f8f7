"""A client-side deadline for the webhook's database work.

PostgreSQL enforces the statement timeout itself, which covers a slow query
or a lock. It cannot when the server is frozen while its machine still
answers TCP (a paused VM, a stopped process): then the query would wait for
gunicorn to kill the worker, and the caller's call would end. So the
webhook's statements also run under a deadline kept here: if one is still
waiting when the deadline passes, the watchdog shuts down that connection's
socket, the query fails at once, and the event goes to the spool.

One watchdog thread per process serves every request; arming a deadline
costs a lock and a heap push.
"""

import contextlib
import heapq
import itertools
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


class Watchdog:
    def __init__(self):
        self._heap: list[tuple[float, int, object]] = []
        self._armed: set[int] = set()
        self._ids = itertools.count()
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self.fired = 0

    @contextmanager
    def deadline(self, seconds: float, database_wrapper=None):
        """Shut down `database_wrapper`'s socket if the block is still
        running after `seconds`."""
        # This thread's own connection object (Django's are per thread).
        wrapper = database_wrapper or connections["default"]
        ticket = next(self._ids)
        with self._lock:
            self._ensure_thread()
            heapq.heappush(self._heap, (time.monotonic() + seconds, ticket, wrapper))
            self._armed.add(ticket)
            self._lock.notify()
        try:
            yield
        finally:
            with self._lock:
                self._armed.discard(ticket)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="ivr-db-watchdog", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._heap:
                    self._lock.wait()
                due, ticket, wrapper = self._heap[0]
                delay = due - time.monotonic()
                if delay > 0:
                    self._lock.wait(delay)
                    continue
                heapq.heappop(self._heap)
                if ticket not in self._armed:
                    continue
                self._armed.discard(ticket)
            self._interrupt(wrapper)

    def _interrupt(self, wrapper) -> None:
        raw = getattr(wrapper, "connection", None)
        if raw is None:
            return
        try:
            descriptor = os.dup(raw.fileno())
        except Exception:  # already closed
            return
        self.fired += 1
        logger.warning("Database did not answer in time; cutting its connection")
        with socket.socket(fileno=descriptor) as sock, contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


watchdog = Watchdog()


def database_deadline():
    """The deadline for one piece of webhook database work: a few times the
    budget, so the server's own timeouts act first when it can act at all."""
    seconds = max(settings.IVR_DB_BUDGET_MS, 100) * 3 / 1000
    return watchdog.deadline(seconds)

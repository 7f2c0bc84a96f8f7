"""A client-side deadline for the webhook's database work.

PostgreSQL enforces the statement timeout itself, which covers a slow query
or a lock. It cannot when the server is frozen while its machine still
answers TCP (a paused VM, a stopped process): then the query would wait for
gunicorn to kill the worker, and the caller's call would end. So the
webhook's statements also run under a deadline kept here: if one is still
waiting when the deadline passes, the watchdog shuts down that connection's
socket, the query fails at once, and the event goes to the spool.

One watchdog thread per process serves every request; arming a deadline
costs a lock and a dict insert.
"""

import contextlib
import itertools
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

# Named as before the module moved: operators filter the logs on it.
logger = logging.getLogger("ivr.db_watchdog")


class Watchdog:
    """Checks the deadlines in force every `tick` seconds.

    Arming and disarming are a dict insert and a dict pop under a lock; the
    thread wakes `1 / tick` times a second whatever the load, instead of
    once per request, and cuts a connection within `tick` of its deadline.
    """

    def __init__(self, tick: float = 0.1):
        self._tick = tick
        self._active: dict[int, tuple[float, object]] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
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
            self._active[ticket] = (time.monotonic() + seconds, wrapper)
        try:
            yield
        finally:
            with self._lock:
                self._active.pop(ticket, None)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="ivr-db-watchdog", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self._tick)
            now = time.monotonic()
            with self._lock:
                overdue = [
                    (ticket, wrapper)
                    for ticket, (due, wrapper) in self._active.items()
                    if due <= now
                ]
                for ticket, _ in overdue:
                    del self._active[ticket]
            for _, wrapper in overdue:
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

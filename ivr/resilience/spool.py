"""A durable local spool for events the database could not take.

While the database is down or too slow, the webhook still answers the
caller; the event goes to a file of this process's own (one JSON line per
event, fsync'ed before the answer is sent) and is written to the database
once it is back: automatically by the process that spooled it, and by
`manage.py ivr_replay_spool` for any file, including those of processes that
are gone. Replaying is idempotent on the event id, so an event replayed
twice, or already stored, is stored once.

Files are locked (flock) while written or replayed, so a replay never reads
half a line and two replays never take the same file.
"""

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Named as before the module moved: operators filter the logs on it.
logger = logging.getLogger("ivr.spool")

FILE_PREFIX = "events-"
FILE_SUFFIX = ".jsonl"


@dataclass(frozen=True)
class ReplayResult:
    replayed: int = 0  # events handed to the store
    remaining: int = 0  # events still waiting (the store failed again)
    unreadable: int = 0  # lines that are not a record, set aside in *.bad


def spool_dir() -> Path:
    return Path(settings.IVR_SPOOL_DIR)


def spool_path(pid: int | None = None) -> Path:
    """This process's spool file."""
    return spool_dir() / f"{FILE_PREFIX}{pid or os.getpid()}{FILE_SUFFIX}"


@contextmanager
def _locked(path: Path, mode: str):
    with open(path, mode, encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield file
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def spool_append(line: str) -> None:
    """Append one record durably: it is on disk when this returns."""
    path = spool_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        with _locked(path, "a") as file:
            # A replay may have emptied and removed the file while we waited
            # for the lock: then write to a new file, not the unlinked one.
            if not _is_current(path, file):
                continue
            file.write(line.replace("\n", " ") + "\n")
            file.flush()
            os.fsync(file.fileno())
            return


def _is_current(path: Path, file) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(file.fileno()).st_ino
    except FileNotFoundError:
        return False


def spool_backlog() -> int:
    """How many events wait in all spool files (every process's)."""
    total = 0
    for path in _spool_files():
        try:
            with open(path, "rb") as file:
                total += sum(1 for line in file if line.strip())
        except FileNotFoundError:
            continue
    return total


def spool_replay(
    store: Callable[[str], None], *, only_own: bool = False
) -> ReplayResult:
    """Hand every spooled record to `store`, oldest first.

    Records `store` accepted are removed; when it raises (the database is
    still away), that record and the rest stay for the next replay.
    """
    replayed = remaining = unreadable = 0
    paths = [spool_path()] if only_own else _spool_files()
    for path in paths:
        done, left, bad = _replay_file(path, store)
        replayed, remaining, unreadable = (
            replayed + done,
            remaining + left,
            unreadable + bad,
        )
        if left:
            break
    return ReplayResult(replayed, remaining, unreadable)


def _spool_files() -> list[Path]:
    directory = spool_dir()
    if not directory.is_dir():
        return []
    return sorted(directory.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}"))


def _replay_file(path: Path, store: Callable[[str], None]) -> tuple[int, int, int]:
    """Replay one file under its lock; returns (replayed, left, unreadable)."""
    try:
        with _locked(path, "r+") as file:
            lines = [line for line in file.read().splitlines() if line.strip()]
            handled, unreadable = _replay_lines(path, lines, store)
            left = lines[handled:]
            file.seek(0)
            file.truncate()
            file.write("".join(line + "\n" for line in left))
            file.flush()
            os.fsync(file.fileno())
            if not left:
                path.unlink(missing_ok=True)
    except FileNotFoundError:
        return 0, 0, 0
    return handled - unreadable, len(left), unreadable


def _replay_lines(
    path: Path, lines: list[str], store: Callable[[str], None]
) -> tuple[int, int]:
    """Store lines in order until one fails; returns (handled, unreadable)."""
    handled = unreadable = 0
    for line in lines:
        try:
            store(line)
        except (ValueError, TypeError, KeyError):
            # Not a record this version can read: keep it aside, intact.
            _set_aside(path, line)
            unreadable += 1
        except Exception:
            logger.warning("Spool replay stopped: the store failed", exc_info=True)
            break
        handled += 1
    return handled, unreadable


def _set_aside(path: Path, line: str) -> None:
    with open(path.with_suffix(".bad"), "a", encoding="utf-8") as file:
        file.write(line + "\n")


class AutoReplayer:
    """Replays this process's spool in the background once the database
    answers again, so nobody has to run a command after an outage: at once
    after the next successful write, else every `interval` seconds."""

    def __init__(self, store: Callable[[str], None], interval: float = 5.0):
        self._store = store
        self._interval = interval
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def spooled(self) -> None:
        """Call after spooling: makes sure a replay loop is running."""
        if not settings.IVR_SPOOL_AUTO_REPLAY:
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._wake.clear()
                self._thread = threading.Thread(
                    target=self._loop, name="ivr-spool-replay", daemon=True
                )
                self._thread.start()

    def database_answered(self) -> None:
        """Call after a successful write: a waiting replay starts now."""
        self._wake.set()

    def _loop(self) -> None:
        from django.db import connection

        try:
            while True:
                self._wake.wait(self._interval)
                self._wake.clear()
                try:
                    result = spool_replay(self._store, only_own=True)
                except Exception:
                    logger.exception("Spool replay failed")
                    continue
                finally:
                    connection.close()
                if result.replayed:
                    logger.info("Replayed %d spooled events", result.replayed)
                if not result.remaining and self._stop_if_empty():
                    return
        except BaseException:
            with self._lock:
                self._thread = None
            raise

    def _stop_if_empty(self) -> bool:
        # Under the lock, so an event spooled just now either finds this
        # loop still running or starts a new one.
        with self._lock:
            if spool_path().exists():
                return False
            self._thread = None
            return True

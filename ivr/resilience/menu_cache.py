"""The menus each app process answers calls with, kept in memory.

The menus are a small tree read on every call, so each process keeps the
last good snapshot and decides with it straight away. Whether it is still
current is learned from the write that records the call (the statement
returns the menus' version token); when staff have saved a menu since, the
process reloads and decides again before answering, so the very next call in
every process uses the saved menu.

While the database is unreachable or slow, calls keep being answered from
the last good snapshot. A copy is kept on disk too, so that a process started
during an outage (a restarted worker) still has the menus.

While `ivr.resilience.breaker` says the database just failed, the snapshot
is not even checked against it.
"""

import json
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ivr.core.snapshot import IvrSnapshot, snapshot_from_dict, snapshot_to_dict
from ivr.menus.publishing import live_snapshot_from_database, published_snapshot
from ivr.menus.snapshots import fallback_from_settings, menu_tree_token
from ivr.resilience.breaker import (
    TRANSIENT_DATABASE_ERRORS,
    DatabaseBreaker,
    breaker,
)
from ivr.resilience.deadline import database_deadline

# Named as before the module moved: operators filter the logs on it.
logger = logging.getLogger("ivr.menu_cache")

# Published versions that calls in progress may still run on, kept in memory.
EARLIER_VERSIONS_KEPT = 8


@dataclass(frozen=True)
class _Cached:
    token: object
    snapshot: IvrSnapshot


class MenuCache:
    def __init__(self, breaker: DatabaseBreaker):
        self.breaker = breaker
        self._cached: _Cached | None = None
        self._versions: OrderedDict[int, IvrSnapshot] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def token(self) -> object:
        cached = self._cached
        return cached.token if cached else None

    def snapshot(self) -> IvrSnapshot | None:
        """The menus to decide with: from memory when loaded before, else
        from the database, else from the disk copy; None when none of these
        has them (a process started while the database is down, before any
        snapshot was ever saved)."""
        cached = self._cached
        if cached is not None:
            return cached.snapshot
        return self.reload() or self._from_disk()

    def reload(self) -> IvrSnapshot | None:
        """The menus freshly from the database (and remembered); None when
        the database cannot be read now."""
        if not self.breaker.allows():
            return None
        try:
            with database_deadline():
                token = menu_tree_token()
                snapshot = live_snapshot_from_database()
        except TRANSIENT_DATABASE_ERRORS:
            logger.warning("Menus could not be loaded; using the last good ones")
            self.breaker.failed()
            return None
        except Exception:
            # A bug, or a published snapshot this code cannot read: callers
            # keep the last good menus, and the log says why, loudly.
            logger.exception("Menus could not be read; using the last good ones")
            return None
        with self._lock:
            self._cached = _Cached(token, snapshot)
        self._save_to_disk(snapshot)
        return snapshot

    def version(self, version: int) -> IvrSnapshot | None:
        """Published `version` of the menus, for a call that started on it:
        from memory, else from the database (once; versions never change);
        None when it cannot be had (no such version, database away)."""
        cached = self._cached
        if cached is not None and cached.snapshot.version == version:
            return cached.snapshot
        with self._lock:
            snapshot = self._versions.get(version)
        if snapshot is not None or not self.breaker.allows():
            return snapshot
        try:
            with database_deadline():
                snapshot = published_snapshot(version)
        except TRANSIENT_DATABASE_ERRORS:
            self.breaker.failed()
            return None
        except Exception:
            logger.exception("Published version %s could not be read", version)
            return None
        if snapshot is not None:
            with self._lock:
                self._versions[version] = snapshot
                while len(self._versions) > EARLIER_VERSIONS_KEPT:
                    self._versions.popitem(last=False)
        return snapshot

    def is_current(self, token: object) -> bool:
        """True when the menus in memory are those with version `token`."""
        cached = self._cached
        return cached is not None and token is not None and cached.token == token

    def forget(self) -> None:
        with self._lock:
            self._cached = None
            self._versions.clear()

    def _from_disk(self) -> IvrSnapshot | None:
        try:
            data = json.loads(_disk_path().read_text(encoding="utf-8"))
            snapshot = snapshot_from_dict(data, fallback_from_settings())
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            logger.warning("The disk copy of the menus is unreadable", exc_info=True)
            return None
        logger.warning("Answering from the disk copy of the menus")
        return snapshot

    def _save_to_disk(self, snapshot: IvrSnapshot) -> None:
        path = _disk_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(snapshot_to_dict(snapshot)), "utf-8")
            temporary.replace(path)
        except OSError:
            logger.warning("Could not save the disk copy of the menus", exc_info=True)


def _disk_path() -> Path:
    return Path(settings.IVR_SPOOL_DIR) / "menus-snapshot.json"


menus = MenuCache(breaker)

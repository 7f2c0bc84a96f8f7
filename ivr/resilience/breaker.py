"""The database breaker: after a database failure, each request goes
straight to the menus in memory (`ivr.resilience.menu_cache`) and the spool
(`ivr.resilience.spool`) for a short while, instead of waiting on a database
that just failed."""

import time

from django.db import DatabaseError, InterfaceError, OperationalError

# Errors that mean "the database is away or too slow", worth waiting out.
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


class DatabaseBreaker:
    """After a database failure, skip the database for a while: 1 s after
    the first failure, doubling with each failure in a row up to 16 s, so a
    process probes a dead server rarely (a probe may cost libpq's 2 s
    connect timeout) and finds a live one again within seconds."""

    def __init__(self, cooldown: float = 1.0, longest: float = 16.0):
        self.cooldown = cooldown
        self.longest = longest
        self._failures = 0
        self._open_until = 0.0

    def allows(self) -> bool:
        return time.monotonic() >= self._open_until

    def failed(self) -> None:
        self._failures += 1
        wait = min(self.cooldown * 2 ** (self._failures - 1), self.longest)
        self._open_until = time.monotonic() + wait

    def succeeded(self) -> None:
        self._failures = 0
        self._open_until = 0.0


def is_transient(error: BaseException) -> bool:
    """True for database errors worth waiting out (down, slow, restarting);
    False for the ones retrying cannot fix."""
    return isinstance(error, TRANSIENT_DATABASE_ERRORS) or (
        isinstance(error, DatabaseError) and "timeout" in str(error).lower()
    )


# The one breaker of this process.
breaker = DatabaseBreaker()

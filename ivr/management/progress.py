"""Progress of a long management command, readable on a terminal and in a log.

On a terminal, one line is redrawn in place ("\\r"), at most a few times a
second. Anywhere else (cron mail, systemd's journal, a file), a whole line is
written every `interval` seconds, and once at the end, so the log shows the
command is alive without a line per batch.

    progress = Progress("Deleting call events", total=count, stream=self.stdout)
    for batch in batches:
        ...
        progress.advance(len(batch))
    progress.finish()

`stream` is any text stream, or a command's `self.stdout` (Django's
OutputWrapper, written to without its automatic line ending).
"""

import time
from collections.abc import Callable
from datetime import timedelta

from django.core.management.base import OutputWrapper

# Seconds between lines when the stream is not a terminal.
LOG_INTERVAL_SECONDS = 10.0
# Seconds between redraws on a terminal.
TERMINAL_INTERVAL_SECONDS = 0.1


def plural(count: int, noun: str) -> str:
    """ "1 call", "2,000 calls": a count and its noun, for command output."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def format_duration(seconds: float) -> str:
    """Seconds as "0.4 s", "12.0 s", or "0:02:05" from a minute on."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    return str(timedelta(seconds=round(seconds)))


class Progress:
    def __init__(
        self,
        label: str,
        *,
        total: int | None = None,
        stream,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        """`total` may be None when unknown; `interval` is the seconds
        between updates written (default: a tenth of a second on a
        terminal, LOG_INTERVAL_SECONDS elsewhere); `clock` is for tests."""
        self.label = label
        self.total = total
        self.stream = stream
        self.is_terminal = bool(getattr(stream, "isatty", lambda: False)())
        if interval is None:
            interval = (
                TERMINAL_INTERVAL_SECONDS if self.is_terminal else LOG_INTERVAL_SECONDS
            )
        self.interval = interval
        self.clock = clock
        self.done = 0
        self.started = clock()
        self._last_written = self.started
        self._finished = False

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def advance(self, count: int = 1) -> None:
        """Add `count` to the work done; write if `interval` has passed."""
        self.done += count
        now = self.clock()
        if now - self._last_written >= self.interval:
            self._last_written = now
            self._show()

    def finish(self) -> None:
        """Write the final state (ending the terminal line); once only."""
        if not self._finished:
            self._finished = True
            self._show()
            if self.is_terminal:
                self._write("\n")

    def line(self) -> str:
        """The state as text: "Label: 1,200/5,000 (24%), 3.1 s"."""
        if self.total is None:
            count = f"{self.done:,}"
        else:
            percent = 100 * self.done // self.total if self.total else 100
            count = f"{self.done:,}/{self.total:,} ({percent}%)"
        return f"{self.label}: {count}, {format_duration(self.elapsed)}"

    def _show(self) -> None:
        text = self.line()
        if self.is_terminal:
            # The count and the time only grow, so each line covers the last.
            self._write(f"\r{text}")
        else:
            self._write(f"{text}\n")

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.finish()

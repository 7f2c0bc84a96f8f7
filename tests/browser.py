"""Real parts for the browser test: the machine's Chromium, driven by
Playwright, a folder for the screenshots it takes, and `Walk`, which runs a
walk-through's steps and reports every one that fails.

Playwright never downloads a browser here: it launches the Chromium of the
machine's package manager (Debian's `chromium`, which `.ci/run` installs).

Test-only environment variables (the app never reads them):

- `IVR_CHROMIUM`: the Chromium to launch (default /usr/bin/chromium).
- `IVR_REQUIRE_BROWSER=1`: fail, instead of skip, when that Chromium is
  missing; `.ci/run` sets it so that CI cannot skip the browser test quietly.
- `IVR_BROWSER_ARTIFACTS`: where screenshots go (default
  test-artifacts/browser/ at the project root, which git ignores).
"""

import json
import os
import shutil
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
DEFAULT_ARTIFACTS = PROJECT / "test-artifacts" / "browser"
INSTALL_HINT = (
    "install the system's Chromium (Debian: apt-get install chromium) "
    "or set IVR_CHROMIUM to a Chromium or Chrome binary"
)


def chromium_or_skip() -> str:
    """The path of the Chromium to launch. Skips the test when there is none,
    or fails it when IVR_REQUIRE_BROWSER=1 (as in CI)."""
    wanted = os.environ.get("IVR_CHROMIUM") or DEFAULT_CHROMIUM
    found = shutil.which(wanted)
    if found:
        return found
    reason = f"No Chromium at {wanted}: {INSTALL_HINT}."
    if os.environ.get("IVR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (IVR_REQUIRE_BROWSER=1 forbids skipping)")
    pytest.skip(reason)


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("IVR_BROWSER_ARTIFACTS") or DEFAULT_ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Screenshots:
    """Saves full-page PNGs under meaningful names and remembers their paths."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.saved: list[Path] = []

    def take(self, page, name: str) -> Path:
        path = self.folder / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        self.saved.append(path)
        return path


class Walk:
    """Runs a walk-through's steps in order and reports every step that fails,
    not only the first.

    A step that fails is recorded with a screenshot of the page it failed on,
    and the walk goes on: each step opens the page it starts from. A step
    that cannot run without an earlier one names it in `needs`; when that
    one failed or was skipped, it is skipped with the reason. `check()`, at
    the end, fails the test with every failed and skipped step.
    """

    def __init__(self, page, screenshots: Screenshots, name: str):
        self.page = page
        self.screenshots = screenshots
        self.name = name
        self.steps = 0
        self.passed: set[Callable] = set()
        self.failed: list[str] = []
        # Failed and skipped steps, in the order they came.
        self.report: list[str] = []
        self.checked = False

    def run(self, step: Callable, *args, needs: tuple[Callable, ...] = (), **kwargs):
        """Runs `step(*args, **kwargs)` and returns what it returns; None when
        it failed or was skipped."""
        self.steps += 1
        title = f"{self.steps}. {step.__name__}"
        missing = [need.__name__ for need in needs if need not in self.passed]
        if missing:
            self.report.append(
                f"{title}: skipped, it needs {', '.join(missing)}, which did not pass"
            )
            return None
        try:
            result = step(*args, **kwargs)
        except Exception as error:  # any failure: recorded, reported by check()
            self.failed.append(step.__name__)
            self.report.append(
                f"{title}: failed{self._screenshot(step)}\n{_where(error)}"
            )
            return None
        self.passed.add(step)
        return result

    def check(self):
        """Fails the test when any step failed, naming each."""
        self.checked = True
        if self.failed:
            pytest.fail(
                f"{len(self.failed)} of the {self.steps} steps of {self.name} "
                f"failed ({', '.join(self.failed)}):\n\n" + "\n\n".join(self.report),
                pytrace=False,
            )

    def _screenshot(self, step: Callable) -> str:
        name = f"failed-{self.name}-{self.steps:02}-{step.__name__}"
        try:
            path = self.screenshots.take(self.page, name)
        except Exception as error:  # a crashed page has no screenshot
            return f" (no screenshot: {error})"
        return f"; the page it failed on: {path}"


def _where(error: Exception) -> str:
    """The error and the lines of the step that raised it: without this
    runner's frame or Playwright's own."""
    frames = traceback.extract_tb(error.__traceback__)[1:]
    ours = [frame for frame in frames if "site-packages" not in frame.filename]
    lines = [*traceback.format_list(ours), *traceback.format_exception_only(error)]
    return "".join(lines).rstrip()


def post_json(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    """POST `body` as JSON over real HTTP, as 8x8 does: (status, JSON answer)."""
    request = urllib.request.Request(  # noqa: S310 (the test's own live server)
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")

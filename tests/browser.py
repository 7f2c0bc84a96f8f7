"""Real parts for the browser test: the machine's Chromium, driven by
Playwright, and a folder for the screenshots it takes.

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
import urllib.error
import urllib.request
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

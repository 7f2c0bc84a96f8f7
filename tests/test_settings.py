"""Every setting read from the environment is documented in .env.example."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Set by the program itself, not by whoever deploys it.
INTERNAL = {"IVR_WEB_PROCESS"}


def test_env_example_lists_every_environment_variable():
    settings_text = (ROOT / "ivrproject" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_text))
    documented = set(
        re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert read - INTERNAL - documented == set()


def read_setting(name: str, **environment: str) -> str:
    """A setting as a fresh process reads it from `environment`."""
    env = {**os.environ, **environment}
    for unset in ("IVR_FALLBACK_VOICE_PROFILE", "IVR_DEFAULT_VOICE_PROFILE"):
        if unset not in environment:
            env.pop(unset, None)
    script = f"from ivrproject import settings; print(settings.{name})"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_fallback_voice_is_the_default_voice_unless_set():
    # Deployments that set only IVR_DEFAULT_VOICE_PROFILE keep their voice.
    assert (
        read_setting(
            "IVR_FALLBACK_VOICE_PROFILE", IVR_DEFAULT_VOICE_PROFILE="en-GB-Emma"
        )
        == "en-GB-Emma"
    )
    assert (
        read_setting(
            "IVR_FALLBACK_VOICE_PROFILE",
            IVR_DEFAULT_VOICE_PROFILE="en-GB-Emma",
            IVR_FALLBACK_VOICE_PROFILE="da-DK-Naja",
        )
        == "da-DK-Naja"
    )

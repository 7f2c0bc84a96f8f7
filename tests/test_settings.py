"""Every setting read from the environment is documented in .env.example."""

import re
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

"""The README's set-up commands and CI's script install the same system libraries."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ONLY = {"fonts-noto-cjk"}  # Chinese in real windows; offscreen tests draw no text to check
# Reading PDF reports back, opening the Excel exports in LibreOffice Calc, and running the
# sync tests on PostgreSQL, in tests.
TESTS_ONLY = {"poppler-utils", "poppler-data", "libreoffice-calc-nogui", "postgresql"}


def readme_app_packages() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"sudo apt-get install -y ([^&]+)&&", readme)
    assert match, "README.md has no apt-get install one-liner"
    return set(match.group(1).split())


def script_packages() -> set[str]:
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    match = re.search(r"SYSTEM_PACKAGES=\(([^)]*)\)", script)
    assert match, "scripts/test.sh has no SYSTEM_PACKAGES list"
    return set(match.group(1).split())


def test_the_app_and_the_tests_install_the_same_qt_libraries() -> None:
    assert readme_app_packages() - APP_ONLY == script_packages() - TESTS_ONLY


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nbash scripts/test.sh\n" in readme
    assert ci.strip().endswith("\nbash scripts/test.sh")

#!/usr/bin/env bash
# Set up a fresh Debian 12 machine and check Tianbao: the system libraries Qt needs, a venv with
# Tianbao and its test extras, the tests, ruff, the import layers (lint-imports), mypy on the
# core (db/, reports/), then the PyInstaller bundle. CI runs exactly this
# (.ci/run).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k storage`.
set -euo pipefail
cd "$(dirname "$0")/.."

# CI runs as root, often without sudo installed; a developer's account needs it.
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

# Qt's xcb and offscreen platform plugins (from `ldd` on PySide6's plugins, Debian 12 names),
# plus poppler for reading back the PDF reports in tests, and LibreOffice Calc (headless) for
# opening the Excel exports in a real spreadsheet program, and PostgreSQL for running the sync
# tests on a server database too. Keep in step with README.md.
SYSTEM_PACKAGES=(
    python3-venv
    libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3
    libxkbcommon0 libxkbcommon-x11-0
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
    libxcb-randr0 libxcb-render-util0 libxcb-image0 libwayland-cursor0
    poppler-utils poppler-data
    libreoffice-calc-nogui
    postgresql
)

$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${SYSTEM_PACKAGES[@]}"
python3 -m venv .venv
.venv/bin/pip install -e '.[test]'

# A throwaway PostgreSQL cluster on loopback for tests/test_sync_postgres.py and
# tests/test_migrations.py; stopped on exit.
# shellcheck source=scripts/start_test_postgres.sh
source scripts/start_test_postgres.sh

# Run ruff even when tests fail, so one CI run shows both; the tests' exit code wins.
tests_status=0
.venv/bin/python -m pytest "$@" || tests_status=$?
ruff_status=0
.venv/bin/ruff check . || ruff_status=$?
# The layers and the Qt-free core (pyproject.toml, [tool.importlinter]; docs/architecture.md).
layers_status=0
.venv/bin/lint-imports || layers_status=$?
# Types of the core ([tool.mypy] in pyproject.toml).
types_status=0
.venv/bin/mypy || types_status=$?
# Then the one-folder app, built and run headless (docs/packaging.md); not when pytest was given
# arguments, i.e. a developer running a few tests.
bundle_status=0
if [ "$#" -eq 0 ]; then bash scripts/check_bundle.sh || bundle_status=$?; fi
if [ "$tests_status" -ne 0 ]; then exit "$tests_status"; fi
if [ "$ruff_status" -ne 0 ]; then exit "$ruff_status"; fi
if [ "$layers_status" -ne 0 ]; then exit "$layers_status"; fi
if [ "$types_status" -ne 0 ]; then exit "$types_status"; fi
exit "$bundle_status"

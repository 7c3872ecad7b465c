#!/usr/bin/env bash
# Build the one-folder app with PyInstaller (build.spec → dist/tianbao/) and prove the bundle
# works on its own, headless, as CI does after the tests (scripts/test.sh): a demo county, the
# window rendered to a PNG, an annual report read back with poppler, an old database upgraded
# through the bundled migrations, a backup. Prints the build time and the bundle's size.
# Run after scripts/test.sh has set up .venv (it needs the same system libraries).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
# PyInstaller reads binaries with objdump on Linux (binutils is not on a minimal Debian).
if ! command -v objdump >/dev/null; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y binutils
fi
.venv/bin/pip install -e '.[build]'

started=$(date +%s)
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN build.spec
built=$(date +%s)

app="$PWD/dist/tianbao/tianbao"
out="$PWD/dist/bundle-check"  # kept for a look: the screenshot, the report, the logs
rm -rf "$out"
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
db="$scratch/县.sqlite3"
export QT_QPA_PLATFORM=offscreen
# Nothing of the build machine's user: settings, data and logs go to the scratch folder.
export XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" XDG_STATE_HOME="$scratch/state"
export TIANBAO_LOG_DIR="$out/logs"
unset TIANBAO_DB

# From another folder: the bundle must not lean on the checkout.
cd "$scratch"
"$app" --help >/dev/null
"$app" --db "$db" demo --unit 211122 --townships 5 --years 2020-2025 --seed 7
"$app" --db "$db" init --unit 211122
"$app" --db "$db" info
"$app" --db "$db" --unit 211122 --year 2025 --screenshot "$out/window.png"
"$app" --db "$db" report --unit 211122 --year 2025 --kind annual --out "$out/annual.pdf"
"$app" --db "$db" backup
"$app" --db "$db" backup list

# A database at the first schema revision, as version 0.0 left it: the frozen app must find the
# Alembic revisions it ships and upgrade it.
old="$scratch/old.sqlite3"
"$OLDPWD/.venv/bin/python" - "$old" <<'PY'
import sys
from alembic import command
from db.storage import alembic_config, create_db_engine
engine = create_db_engine(f"sqlite:///{sys.argv[1]}")
with engine.connect() as connection, connection.begin():
    command.upgrade(alembic_config(connection), "0001_initial")
engine.dispose()
PY
"$app" --db "$old" info | tee "$scratch/old-info.txt"
cd "$OLDPWD"

fail() { echo "bundle check failed: $*" >&2; exit 1; }
# Into files, not `| grep -q`: grep stopping early would fail the pipe under pipefail.
[ "$(head -c 8 "$out/window.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] \
    || fail "no PNG screenshot"
[ "$(stat -c %s "$out/window.png")" -gt 20000 ] || fail "the screenshot is (nearly) empty"
pdftotext "$out/annual.pdf" "$out/annual.txt"
grep -q "年度监测报告" "$out/annual.txt" || fail "no 年度监测报告 in the PDF"
version=$(.venv/bin/python -c 'from db.version import app_version; print(app_version())')
grep -q "填报 $version" "$out/annual.txt" \
    || fail "the PDF does not name version $version (package metadata not bundled?)"
head_revision=$(.venv/bin/python -c 'from db.storage import SCHEMA_HEAD; print(SCHEMA_HEAD)')
grep -q "结构版本：$head_revision" "$scratch/old-info.txt" \
    || fail "the old database was not upgraded to $head_revision"
ls "$(dirname "$db")"/backups/*-manual.sqlite3 >/dev/null || fail "no backup made"

echo "bundle build time: $((built - started)) s"
echo "bundle size: $(du -sh dist/tianbao | cut -f1) ($(find dist/tianbao -type f | wc -l) files)"
echo "bundle check passed: $out"

#!/usr/bin/env bash
# Build the one-folder app with PyInstaller (build.spec → dist/tianbao/) and prove the bundle
# works on its own, headless, as CI does after the tests (scripts/test.sh): a demo county, the
# window rendered to a PNG, every report kind read back with poppler, a workbook template filled
# in and imported, the statistical tables, a signed exchange file from a township imported, a
# county's plan read from .docx and from PDF (with and without poppler), an old database
# upgraded through the bundled migrations, a backup. Every library build.spec leaves out
# (Pillow, lxml, …) is one these paths would miss, so a path that needs one fails here.
# Prints the build time and the bundle's size.
# Run after scripts/test.sh has set up .venv (it needs the same system libraries, and the test
# extra: python-docx writes the .docx the bundle reads).
#     bash scripts/check_bundle.sh            build dist/tianbao, then check it
#     bash scripts/check_bundle.sh FOLDER     check a bundle built already (FOLDER/tianbao)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ge 1 ]; then
    bundle=$(cd "$1" && pwd)
    started=0 built=0
else
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    # PyInstaller reads binaries with objdump on Linux (binutils is not on a minimal Debian).
    if ! command -v objdump >/dev/null; then
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y binutils
    fi
    .venv/bin/pip install -e '.[build]'

    started=$(date +%s)
    .venv/bin/pyinstaller --noconfirm --clean --log-level WARN build.spec
    built=$(date +%s)
    bundle="$PWD/dist/tianbao"
fi

app="$bundle/tianbao"
py="$PWD/.venv/bin/python"
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

# Every report kind: reportlab runs without Pillow in the bundle (tools/pyinstaller/pil_stub.py).
"$app" --db "$db" report --unit 211122 --year 2025 --kind midterm --out "$out/midterm.pdf"
"$app" --db "$db" report --unit 211122 --year 2025 --kind final --out "$out/final.pdf"
"$app" --db "$db" report --unit 211122 --year 2025 --kind comparison --out "$out/comparison.pdf"
"$app" --db "$db" report --unit 211122 --year 2025 --kind form --out "$out/form.pdf"
"$app" --db "$db" report --unit 211122100000 --year 2026 --kind form --blank --with-last-year \
    --out "$out/blank_form.pdf"

# Workbooks both ways (openpyxl without lxml or Pillow): a template, one figure typed in as a
# clerk would, checked, imported; the statistical tables.
"$app" --db "$db" excel template --unit 211122 --year 2025 --with-units-below \
    --out "$scratch/template.xlsx"
"$py" - "$scratch/template.xlsx" "$scratch/filled.xlsx" <<'PY'
import sys
from openpyxl import load_workbook
from reports.excel.template import COLUMN_NUMBER, DATA_SHEET, FIRST_DATA_ROW
workbook = load_workbook(sys.argv[1])
sheet = workbook[DATA_SHEET]
row = next(r for r in range(FIRST_DATA_ROW, sheet.max_row + 1)
           if sheet.cell(r, COLUMN_NUMBER["key_code"]).value == "live_births")
sheet.cell(row, COLUMN_NUMBER["value"]).value = 4321
workbook.save(sys.argv[2])
PY
"$app" --db "$db" excel import "$scratch/filled.xlsx" --dry-run > "$scratch/excel-dry.txt"
"$app" --db "$db" excel import "$scratch/filled.xlsx" | tee "$scratch/excel-import.txt"
"$app" --db "$db" excel tables --unit 211122 --years 2020-2025 --out "$out/tables.xlsx"

# A township's signed exchange file (cryptography, jsonschema) imported at the county.
township="$scratch/镇.sqlite3"
"$app" --db "$township" init --unit 211122100000 --name 太平街道
"$app" --db "$township" keys export --out "$scratch/township.tbkey" > "$scratch/township-key.txt"
fingerprint=$(sed -n 's/^指纹：\([0-9 ]*\)（.*/\1/p' "$scratch/township-key.txt")
"$app" --db "$db" keys register "$scratch/township.tbkey" --fingerprint "$fingerprint"
"$app" --db "$township" sync export --unit 211122100000 --years 2024-2025 \
    --out "$scratch/township.tbsync"
"$app" --db "$db" sync import "$scratch/township.tbsync" | tee "$scratch/sync-import.txt"

# A county's own plan from Word (read with the standard library: no python-docx, no lxml) and
# from PDF, by poppler's pdftotext and, where it is missing (Windows), by pypdf.
"$py" - "$scratch" <<'PY'
import sys
from pathlib import Path
from docx import Document
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate
from reports.pdf.fonts import FONT, register_fonts
folder = Path(sys.argv[1])
lines = ["某县妇女发展规划（2021—2030年）", "二、发展领域、主要目标和策略措施", "（一）妇女与健康。",
         "主要目标：", "1.孕产妇系统管理率保持在90%以上。",
         "2.妇女常见病筛查率到2025年达到82%以上，到2030年达到85%以上。", "策略措施：",
         "1.完善妇女健康保障制度机制。"]
(folder / "plan.txt").write_text("\n".join(lines), encoding="utf-8")
document = Document()
for line in lines[:-3]:
    document.add_paragraph(line)
table = document.add_table(rows=1, cols=1)  # some counties put goals in a table
table.cell(0, 0).text = lines[-3]
for line in lines[-2:]:
    document.add_paragraph(line)
document.save(str(folder / "plan.docx"))
register_fonts()
style = ParagraphStyle("p", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK")
SimpleDocTemplate(str(folder / "plan.pdf"), pagesize=A4).build(
    [Paragraph(line, style) for line in lines])
PY
for source in plan.txt plan.docx plan.pdf; do
    "$app" --db "$db" plan draft "$scratch/$source" --code 130182 --name 某县 \
        --out "$scratch/$source.json" | tee -a "$scratch/drafts.txt"
done
PATH=/nonexistent "$app" --db "$db" plan draft "$scratch/plan.pdf" --code 130182 --name 某县 \
    --out "$scratch/plan-pypdf.json" | tee -a "$scratch/drafts.txt"

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
for kind in midterm:中期评估报告 final:终期评估报告 comparison:对比报告 form:统计表 \
            blank_form:空白表; do
    pdftotext "$out/${kind%%:*}.pdf" "$out/${kind%%:*}.txt"
    grep -q "${kind#*:}" "$out/${kind%%:*}.txt" || fail "no ${kind#*:} in ${kind%%:*}.pdf"
done
pdftoppm -png -r 60 -f 1 -l 1 "$out/annual.pdf" "$out/annual-page"  # for a look
grep -q "正式导入将更新 1 个数据" "$scratch/excel-dry.txt" || fail "the filled template was not read"
grep -q "4321" "$scratch/excel-import.txt" || fail "the typed figure was not imported"
"$py" -c 'import sys; from openpyxl import load_workbook; load_workbook(sys.argv[1])' \
    "$out/tables.xlsx" || fail "the statistical tables do not open"
grep -q "已导入" "$scratch/sync-import.txt" || fail "the exchange file was not imported"
[ "$(grep -c "：2 条目标" "$scratch/drafts.txt")" -eq 4 ] \
    || fail "a plan from .txt, .docx, PDF (pdftotext, pypdf) did not give the same 2 goals"

[ "$built" -eq 0 ] || echo "bundle build time: $((built - started)) s"
echo "bundle size: $(du -sh "$bundle" | cut -f1) ($(find "$bundle" -type f | wc -l) files)"
echo "bundle check passed: $out"

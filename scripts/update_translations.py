"""Keep resources/translations/tianbao_en.ts in step with the code, then compile the .qm.

    python scripts/update_translations.py            # add new strings, compile
    python scripts/update_translations.py --check    # exit 1 if a string lacks its English

Every ``tr("…")`` (desktop/i18n.tr, one context "Tianbao") whose text is a literal is a source
string. New ones are appended to the .ts as unfinished (Qt shows the Chinese until someone
writes the English in the .ts); existing messages and their order are left alone, so the file's
diff shows only what changed. The .qm is compiled by ``pyside6-lrelease`` from the PySide6
package, so the same .ts gives the same .qm byte for byte (tests/test_i18n.py checks it).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "resources" / "translations" / "tianbao_en.ts"
QM = TS.with_suffix(".qm")
SOURCES = ROOT / "desktop"


def source_strings(folder: Path = SOURCES) -> list[tuple[str, Path]]:
    """Each literal passed to ``tr`` (or marked with ``translatable``), with the file it is in,
    in file order, once."""
    seen: dict[str, Path] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else "")
            first = node.args[0]
            if (name in ("tr", "translatable") and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)):
                seen.setdefault(first.value, path)
    return list(seen.items())


def translations(ts: Path = TS) -> dict[str, str | None]:
    """source → English (None while unfinished)."""
    found: dict[str, str | None] = {}
    for message in ET.parse(ts).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        finished = (translation is not None and translation.get("type") != "unfinished"
                    and bool(translation.text))
        found[source] = translation.text if finished and translation is not None else None
    return found


def add_missing(ts: Path = TS) -> list[str]:
    known = translations(ts)
    missing = [text for text, _ in source_strings() if text not in known]
    if missing:
        blocks = "".join(
            f"    <message>\n        <source>{escape(text)}</source>\n"
            f"        <translation type=\"unfinished\"></translation>\n    </message>\n"
            for text in missing)
        content = ts.read_text(encoding="utf-8")
        closing = content.rindex("</context>")
        ts.write_text(content[:closing] + blocks + content[closing:], encoding="utf-8")
    return missing


def lrelease() -> str:
    found = shutil.which("pyside6-lrelease")
    if found:
        return found
    beside = Path(sys.executable).with_name("pyside6-lrelease")
    if beside.exists():
        return str(beside)
    raise SystemExit("pyside6-lrelease not found: pip install PySide6")


def compile_qm() -> None:
    subprocess.run([lrelease(), "-silent", str(TS), "-qm", str(QM)], check=True)


def untranslated(paths: set[Path] | None = None) -> list[str]:
    """Source strings (of ``paths``, default all) with no English in the .ts."""
    known = translations()
    return [text for text, path in source_strings()
            if (paths is None or path in paths) and not known.get(text)]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        lacking = untranslated()
        for text in lacking:
            print(f"no English: {text}")
        return 1 if lacking else 0
    for text in add_missing():
        print(f"added (unfinished): {text}")
    compile_qm()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

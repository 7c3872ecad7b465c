"""build.spec leaves out only what the app never imports, and CI builds and runs the bundle.

The bundle itself is built and run by scripts/check_bundle.sh (after the tests, in CI): building
takes half a minute and needs PyInstaller, which the test extra does not install.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_PACKAGES = ("db", "desktop", "reports", "resources")


def spec_list(name: str) -> list[str]:
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            value = ast.literal_eval(node.value)
            return list(value) if isinstance(value, (list, tuple)) else [value]
    raise AssertionError(f"build.spec has no {name}")


def qt_modules_imported_by_the_app() -> set[str]:
    found: set[str] = set()
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    continue
                found.update(n.split(".")[1] for n in names
                             if n.startswith("PySide6.") and n.split(".")[1].startswith("Qt"))
    return found


def test_the_bundle_excludes_no_qt_module_the_app_imports() -> None:
    imported = qt_modules_imported_by_the_app()
    assert {"QtCore", "QtGui", "QtWidgets"} <= imported
    assert imported.isdisjoint(spec_list("UNUSED_QT_MODULES"))


def _catches_import_error(node: ast.Try) -> bool:
    return any(isinstance(h.type, ast.Name) and h.type.id in ("ImportError",
                                                               "ModuleNotFoundError")
               for h in node.handlers)


def modules_imported_by_the_app() -> set[str]:
    """Every module Tianbao's code imports, except inside ``try: … except ImportError``."""
    found: set[str] = set()
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            guarded = {id(inner) for node in ast.walk(tree)
                       if isinstance(node, ast.Try) and _catches_import_error(node)
                       for statement in node.body for inner in ast.walk(statement)}
            for node in ast.walk(tree):
                if id(node) in guarded:
                    continue
                if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module)
                    found.update(f"{node.module}.{a.name}" for a in node.names)
                elif isinstance(node, ast.Import):
                    found.update(a.name for a in node.names)
    return found


def test_the_bundle_excludes_no_package_the_app_imports() -> None:
    """Pillow, lxml, python-docx and the rest left out of the bundle (issue 15) stay unused: an
    import of one in Tianbao's code would fail in the bundle only, on that path. (An import
    inside ``try: … except ImportError``, as of lxml's error class, is the code saying so.)"""
    excluded = spec_list("UNUSED_PACKAGES") + ["docx"]
    used = {name for name in modules_imported_by_the_app()
            for gone in excluded if name == gone or name.startswith(gone + ".")}
    assert not used, used
    assert "PIL" in excluded and "lxml" in excluded  # the two big ones, issue 15


def test_the_bundle_keeps_the_libraries_the_reports_and_imports_need() -> None:
    excluded = " ".join(spec_list("UNUSED_QT_MODULES"))
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    for needed in ("reportlab", "openpyxl", "sqlalchemy", "alembic", "yaml", "pydantic"):
        assert needed not in excluded
    assert '"openpyxl"' in spec  # imported only when a workbook is asked for
    assert 'data_files("resources"' in spec and 'data_files("db/migrations"' in spec
    assert 'copy_metadata("tianbao")' in spec  # db.version.app_version reads it


def test_the_program_is_called_tianbao() -> None:
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert 'name="tianbao", console=True' in spec
    assert 'COLLECT(*executables, a.binaries, a.datas, name="tianbao"' in spec


def test_ci_builds_and_runs_the_bundle() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "bash scripts/check_bundle.sh" in script
    check = (ROOT / "scripts" / "check_bundle.sh").read_text(encoding="utf-8")
    for step in ("--screenshot", "report --unit", "年度监测报告", "du -sh"):
        assert step in check
    # What build.spec leaves out (Pillow, lxml, …) must not be missed on any path: every
    # report kind, workbooks both ways, a signed exchange, a plan from .docx and PDF.
    for step in ("--kind midterm", "--kind final", "--kind comparison", "--kind form",
                 "excel import", "excel tables", "sync import", "plan draft", "plan.docx",
                 "PATH=/nonexistent"):
        assert step in check


def test_the_packaging_guide_covers_windows_linux_and_an_installer() -> None:
    guide = (ROOT / "docs" / "packaging.md").read_text(encoding="utf-8")
    for topic in ("Windows", "Linux", "Inno Setup", "tianbaow.exe", "pyinstaller"):
        assert topic in guide

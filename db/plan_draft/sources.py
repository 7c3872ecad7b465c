"""A plan's published text as lines, from .txt (UTF-8 or GBK), .docx, or a PDF with a text layer.

Counties publish their plan as a Word file, a PDF or a web page saved as text. Each source
gives the same thing: the plan's paragraphs, one per line, for db/plan_text.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from db.errors import UserError

MAX_BYTES = 50 * 1024 * 1024


class PlanSourceError(UserError):
    """A plan file that cannot be read: wrong type, no text layer, damaged."""


def read_plan_source(path: Path) -> list[str]:
    """The lines of the plan in ``path``; PlanSourceError with a plain message otherwise."""
    path = Path(path)
    if not path.is_file():
        raise PlanSourceError(f"找不到文件：{path}")
    if path.stat().st_size > MAX_BYTES:
        raise PlanSourceError(f"文件太大（超过50MB），不像是一份规划文本：{path.name}")
    suffix = path.suffix.lower()
    if suffix in (".txt", ".text", ""):
        return _text_lines(path.read_bytes(), path.name)
    if suffix == ".docx":
        return _docx_lines(path)
    if suffix == ".pdf":
        return _pdf_lines(path)
    if suffix in (".doc", ".wps"):
        raise PlanSourceError(f"{path.name} 是旧版 Word 格式：请在 Word 或 WPS 中"
                              "另存为 .docx 后再导入。")
    raise PlanSourceError(f"不支持的文件类型 {suffix}：请使用 .txt、.docx 或带文字层的 .pdf。")


def _text_lines(data: bytes, name: str) -> list[str]:
    """UTF-8 (with or without BOM) first; a file saved by Notepad on a Chinese Windows is GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).splitlines()
        except UnicodeDecodeError:
            continue
    raise PlanSourceError(f"{name} 既不是 UTF-8 也不是 GBK 编码的文本，无法读取。")


def _docx_lines(path: Path) -> list[str]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as error:
        raise PlanSourceError(f"{path.name} 不是有效的 .docx 文件（{error}）。") from None
    lines = [p.text for p in document.paragraphs]
    # Some plans put goals in a table: each cell's paragraphs are lines too.
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return lines


def _pdf_lines(path: Path) -> list[str]:
    """The PDF's text layer, via poppler's pdftotext where installed, else pypdf."""
    text = ""
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                              capture_output=True, check=False)
        if done.returncode == 0:
            text = done.stdout.decode("utf-8", "replace")
    if not text.strip():
        text = _pypdf_text(path)
    if len("".join(text.split())) < 50:
        raise PlanSourceError(f"{path.name} 没有文字层（可能是扫描件）：请使用 .docx 或文字版 PDF，"
                              "或先用 OCR 软件识别。")
    return _join_wrapped(text.splitlines())


def _pypdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a dependency
        raise PlanSourceError("读取 PDF 需要 pypdf 或 poppler（pdftotext）。") from None
    try:
        reader = PdfReader(str(path))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, OSError, ValueError) as error:
        raise PlanSourceError(f"{path.name} 不是有效的 PDF 文件（{error}）。") from None


def _join_wrapped(lines: list[str]) -> list[str]:
    """Undo a PDF's line breaks inside a paragraph: a line that does not end a sentence or a
    heading continues on the next. A numbered line always starts a new paragraph."""
    import re

    starts = re.compile(r"^\s*(?:（[0-9一二三四五六七八九十]+）|[0-9]+[.．、]|"
                        r"[一二三四五六七八九十]+、|"
                        r"主要目标|策略措施|牵头单位|责任单位)")
    out: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        if out and out[-1] and not starts.match(line) and not out[-1].endswith(
                ("。", "：", ":", "）", "；")) and len(out[-1]) > 20:
            out[-1] += line
        else:
            out.append(line)
    return out

"""A plan's published text as lines, from .txt (UTF-8 or GBK), .docx, or a PDF with a text layer.

Counties publish their plan as a Word file, a PDF or a web page saved as text. Each source
gives the same thing: the plan's paragraphs, one per line, for db/plan_text.py.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree

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


# .docx is read with the standard library (zipfile and ElementTree) rather than python-docx:
# python-docx requires lxml, 5.4 MB of the one-folder bundle for this one reader (issue 15), and
# the plan needs only the text of the paragraphs and table cells, in the order they stand.
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OFFICE_DOCUMENT = "/officeDocument"  # the tail of the main part's relationship type
# A plan's document.xml is a few MB; anything near this is a zip bomb, not a plan.
MAX_DOCUMENT_XML_BYTES = 100 * 1024 * 1024
# Where a paragraph's text lives: runs, and the wrappers Word puts around runs (links, tracked
# insertions, content controls, fields). Deleted text (w:del, w:moveFrom) is not the plan's.
_RUN_WRAPPERS = {f"{_W}{name}" for name in (
    "hyperlink", "ins", "moveTo", "smartTag", "sdt", "sdtContent", "customXml", "fldSimple",
    "dir", "bdo")}
# Inside a run, besides w:t and w:br: what python-docx's Run.text turns into characters.
_RUN_CHARACTERS = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n",
                   f"{_W}noBreakHyphen": "-"}
# Wrappers around whole paragraphs and tables in the body or a cell (content controls, custom
# XML): their paragraphs are part of the text where they stand.
_BLOCK_WRAPPERS = {f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"}


def _docx_lines(path: Path) -> list[str]:
    """The paragraphs of a .docx, one per line, in the order they stand; a table's cells,
    row by row, give their paragraphs where the table stands (some plans put goals in one)."""
    def refuse(why: str) -> PlanSourceError:
        return PlanSourceError(f"{path.name} 不是有效的 .docx 文件（{why}）。请在 Word 或 WPS 中"
                               "打开后另存为 .docx 再导入。")

    try:
        with zipfile.ZipFile(path) as package:
            data = _document_xml(package, refuse)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            zlib.error, OSError) as error:
        raise refuse(f"文件已损坏或不是 Word 文档：{error}") from None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # Word never writes one; a bomb might
        raise refuse("文档含有 DTD")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise refuse(f"正文的 XML 已损坏：{error}") from None
    body = root.find(f"{_W}body")
    if body is None:
        raise refuse("没有正文")
    lines: list[str] = []
    try:
        _block_lines(body, lines)
    except RecursionError:  # tables in tables thousands deep: made to hurt, not a plan
        raise refuse("表格嵌套过深") from None
    return lines


def _document_xml(package: zipfile.ZipFile,
                  refuse: Callable[[str], PlanSourceError]) -> bytes:
    """The main document part's bytes, found as Word finds it (the package relationships)."""
    name = "word/document.xml"
    try:
        relationships = ElementTree.fromstring(package.read("_rels/.rels"))
    except (KeyError, ElementTree.ParseError):
        relationships = None
    if relationships is not None:
        for relationship in relationships:
            if relationship.get("Type", "").endswith(_OFFICE_DOCUMENT):
                name = relationship.get("Target", name).lstrip("/")
                break
    try:
        info = package.getinfo(name)
    except KeyError:
        raise refuse(f"缺少正文 {name}") from None
    if info.file_size > MAX_DOCUMENT_XML_BYTES:
        raise refuse("正文解压后过大")
    with package.open(info) as member:  # the header's size may lie: read no more than allowed
        data = member.read(MAX_DOCUMENT_XML_BYTES + 1)
    if len(data) > MAX_DOCUMENT_XML_BYTES:
        raise refuse("正文解压后过大")
    return data


def _block_lines(container: ElementTree.Element, lines: list[str]) -> None:
    """The body's (or a cell's) paragraphs and tables, in order, into ``lines``."""
    for child in _unwrapped(container):
        if child.tag == f"{_W}p":
            lines.append(_paragraph_text(child))
        elif child.tag == f"{_W}tbl":
            for row in _unwrapped(child):
                if row.tag == f"{_W}tr":
                    for cell in _unwrapped(row):
                        if cell.tag == f"{_W}tc":
                            _block_lines(cell, lines)  # a table nested in it, where it stands


def _unwrapped(element: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """The children of ``element``, with content controls and custom XML opened up."""
    for child in element:
        if child.tag in _BLOCK_WRAPPERS:
            yield from _unwrapped(child)
        else:
            yield child


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    """The paragraph's text as python-docx gives it: a tab as \\t, a line break as \\n."""
    parts: list[str] = []

    def walk(element: ElementTree.Element) -> None:
        for child in element:
            if child.tag == f"{_W}r":
                parts.extend(_run_text(piece) for piece in child)
            elif child.tag in _RUN_WRAPPERS:
                walk(child)

    walk(paragraph)
    return "".join(parts)


def _run_text(piece: ElementTree.Element) -> str:
    if piece.tag == f"{_W}t":
        return piece.text or ""
    if piece.tag == f"{_W}br":  # a page or column break is no character
        return "\n" if piece.get(f"{_W}type", "textWrapping") == "textWrapping" else ""
    return _RUN_CHARACTERS.get(piece.tag, "")


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

"""A county's plan from Word (.docx), read with the standard library (db/plan_draft/sources.py).

python-docx left the dependencies (it requires lxml, 5.4 MB of the bundle: issue 15); it stays in
the test extra to write the files the reader is tested on, as Word lays them out, and to say
what a paragraph's text is. The reader gives the same paragraphs python-docx gives, a table's
cells where the table stands, and refuses a damaged or hostile file in plain Chinese.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.plan_draft.sources import PlanSourceError, read_plan_source

HEALTH = ["某县妇女发展规划（2021—2030年）", "二、发展领域、主要目标和策略措施",
          "（一）妇女与健康。", "主要目标："]
GOALS = ["1.孕产妇系统管理率保持在90%以上。",
         "2.妇女常见病筛查率到2025年达到82%以上，到2030年达到85%以上。"]
MEASURES = ["策略措施：", "1.完善妇女健康保障制度机制。"]


def docx_bytes(path: Path) -> bytes:
    return path.read_bytes()


def rewritten(source: Path, target: Path, change: dict[str, bytes]) -> Path:
    """``source`` with the parts in ``change`` replaced (or added), as a zip tool would."""
    with zipfile.ZipFile(source) as original, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            out.writestr(info.filename, change.pop(info.filename, original.read(info)))
        for name, data in change.items():
            out.writestr(name, data)
    return target


@pytest.fixture
def plan_docx(tmp_path: Path) -> Path:
    document = Document()
    for line in HEALTH + GOALS + MEASURES:
        document.add_paragraph(line)
    path = tmp_path / "plan.docx"
    document.save(str(path))
    return path


PARAGRAPH = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r")
                    | st.sampled_from(["\t", "\n", "妇", "（", "%"]), max_size=30)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paragraphs=st.lists(PARAGRAPH, max_size=12))
def test_the_paragraphs_are_those_python_docx_reads(tmp_path: Path,
                                                    paragraphs: list[str]) -> None:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)  # a tab becomes w:tab, a line break w:br
    path = tmp_path / "p.docx"
    document.save(str(path))
    assert read_plan_source(path) == [p.text for p in Document(str(path)).paragraphs]


def test_goals_in_a_table_are_read_where_the_table_stands(tmp_path: Path) -> None:
    document = Document()
    for line in HEALTH:
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = GOALS[0]
    table.cell(0, 0).merge(table.cell(0, 1))  # one cell across the row: read once
    table.cell(1, 0).text = GOALS[1]
    table.cell(1, 1).text = "县卫生健康局"
    for line in MEASURES:
        document.add_paragraph(line)
    path = tmp_path / "table.docx"
    document.save(str(path))
    assert read_plan_source(path) == HEALTH + GOALS + ["县卫生健康局"] + MEASURES


def test_tracked_changes_read_as_accepted(plan_docx: Path, tmp_path: Path) -> None:
    xml = zipfile.ZipFile(plan_docx).read("word/document.xml").decode("utf-8")
    goal = GOALS[0]
    changed = xml.replace(
        f"<w:t>{goal}</w:t></w:r>",
        f"<w:t>{goal}</w:t></w:r><w:ins w:id=\"1\" w:author=\"a\"><w:r><w:t>（新增）</w:t></w:r>"
        f"</w:ins><w:del w:id=\"2\" w:author=\"a\"><w:r><w:delText>删去</w:delText></w:r></w:del>")
    assert changed != xml
    path = rewritten(plan_docx, tmp_path / "tracked.docx",
                     {"word/document.xml": changed.encode("utf-8")})
    assert goal + "（新增）" in read_plan_source(path)


def refused(path: Path) -> str:
    with pytest.raises(PlanSourceError, match="不是有效的 .docx") as error:
        read_plan_source(path)
    return str(error.value)


def test_damaged_and_hostile_files_are_refused_in_plain_chinese(plan_docx: Path,
                                                                tmp_path: Path) -> None:
    document = zipfile.ZipFile(plan_docx).read("word/document.xml")
    (tmp_path / "not-a-zip.docx").write_bytes(b"not a zip")
    refused(tmp_path / "not-a-zip.docx")
    (tmp_path / "cut.docx").write_bytes(docx_bytes(plan_docx)[:5000])
    refused(tmp_path / "cut.docx")
    assert "XML" in refused(rewritten(plan_docx, tmp_path / "broken.docx",
                                      {"word/document.xml": document[:len(document) // 2]}))
    # A zip bomb: 120 MB of blanks inside the body compress to a few hundred KB.
    bomb = document.replace(b"<w:body>", b"<w:body>" + b" " * (120 * 1024 * 1024), 1)
    assert "过大" in refused(rewritten(plan_docx, tmp_path / "bomb.docx",
                                     {"word/document.xml": bomb}))
    laughs = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + document.split(b"?>", 1)[1])
    assert "DTD" in refused(rewritten(plan_docx, tmp_path / "laughs.docx",
                                      {"word/document.xml": laughs}))
    cell = b"<w:tbl><w:tr><w:tc>"
    deep = document.replace(b"<w:body>", b"<w:body>" + cell * 5000 + b"</w:tc></w:tr></w:tbl>"
                            * 5000, 1)
    assert "嵌套过深" in refused(rewritten(plan_docx, tmp_path / "deep.docx",
                                      {"word/document.xml": deep}))
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "不是 Word 文档")
    (tmp_path / "other.docx").write_bytes(other.getvalue())
    assert "缺少正文" in refused(tmp_path / "other.docx")


def test_a_zip_whose_header_understates_the_body_is_refused(plan_docx: Path,
                                                            tmp_path: Path) -> None:
    """The sizes a zip declares may lie (a bomb's trick): the reader unpacks no more than the
    declared size, and the checksum then fails."""
    import struct

    document = zipfile.ZipFile(plan_docx).read("word/document.xml")
    path = rewritten(plan_docx, tmp_path / "lying.docx",
                     {"word/document.xml": document.replace(b"<w:body>",
                                                            b"<w:body>" + b" " * 50_000, 1)})
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.index(signature)
        while data[at + name_at:at + name_at + len(name)] != name:
            at = data.index(signature, at + 4)
        data[at + size_at:at + size_at + 4] = struct.pack("<I", len(document))
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("word/document.xml").file_size == len(document)
    assert "已损坏" in refused(path)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)),
                      min_size=1, max_size=6))
def test_a_docx_with_damaged_bytes_reads_or_is_refused(plan_docx: Path, tmp_path: Path,
                                                       flips: list[tuple[int, int]]) -> None:
    data = bytearray(docx_bytes(plan_docx))
    for position, mask in flips:
        data[position % len(data)] ^= mask
    path = tmp_path / "flipped.docx"
    path.write_bytes(bytes(data))
    try:
        lines = read_plan_source(path)
    except PlanSourceError as error:
        message = str(error)
    else:
        # A flip the zip's checksums do not cover (a timestamp, another part) changes nothing.
        assert lines == HEALTH + GOALS + MEASURES
        return
    assert "不是有效的 .docx" in message

"""The data-entry template's format: what the exporter (reports/excel/template.py) writes and the
importer (db/importing/excel_template.py) checks — sheet names, rows, columns, headers, the
per-row tag and the checksum over all keys. Here, in the core, so that the importer need not
import ``reports``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from db.errors import UserError


class ExcelError(UserError):
    """A workbook cannot be made or read (unknown unit, wrong file, unwritable folder).
    ``str(error)`` is a plain Chinese message for the user."""


FORMAT = "tianbao-excel-template"
# Raised when the layout or the meaning of a column changes; an older Tianbao refuses a newer
# template instead of reading its columns wrongly.
FORMAT_VERSION = 1

INSTRUCTIONS_SHEET = "说明"
DATA_SHEET = "填报表"
META_SHEET = "_tianbao"
HEADER_ROW = 3
FIRST_DATA_ROW = 4
# A county with every township in one workbook stays far below this; the importer refuses more.
MAX_DATA_ROWS = 20_000

DISAGGREGATION_ITEMS = {"total": "合计", "female": "女性", "male": "男性"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float
    hidden: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("number", "序号", 6),
    Column("unit", "单位", 13),
    Column("domain", "领域", 11),
    Column("indicator", "指标", 26),
    Column("item", "填报项", 22),
    Column("measure", "计量单位", 7),
    Column("target", "目标", 22),
    Column("previous", "上年数值", 11),
    Column("below", "下级汇总（参考）", 11),
    Column("value", "本年数值", 12),
    Column("comment", "备注", 24),
    Column("key_unit", "单位代码", 14, hidden=True),
    Column("key_code", "指标代码", 14, hidden=True),
    Column("key_year", "年份", 6, hidden=True),
    Column("key_disaggregation", "分组", 8, hidden=True),
    Column("key_tag", "校验", 12, hidden=True),
)
COLUMN_NUMBER = {c.key: i for i, c in enumerate(COLUMNS, start=1)}
LAST_COLUMN = len(COLUMNS)


def column_letter(key: str) -> str:
    return get_column_letter(COLUMN_NUMBER[key])


def headers(year: int) -> list[str]:
    """The header row as exported for ``year`` (the importer compares it cell by cell)."""
    named = {"previous": f"{year - 1}年数值", "value": f"{year}年数值"}
    return [named.get(c.key, c.header) for c in COLUMNS]


FigureKey = tuple[str, str, int, str]  # unit, indicator code, year, disaggregation


def row_tag(nonce: str, key: FigureKey) -> str:
    """A short digest tying a row's hidden keys to this workbook: an edited key, or a row
    pasted from another template (another nonce), no longer matches."""
    text = "|".join((nonce, key[0], key[1], str(key[2]), key[3]))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def key_checksum(unit: str, year: int, department: str, nonce: str,
                 keys: Iterable[FigureKey]) -> str:
    """Checksum over the metadata and every row's keys. Sorted, so that sorting the rows
    (harmless: the keys move with their row) does not change it; adding, removing or editing
    a row, or editing the metadata, does."""
    digest = hashlib.sha256()
    for part in (FORMAT, str(FORMAT_VERSION), unit, str(year), department, nonce):
        digest.update(part.encode() + b"\n")
    for key in sorted(keys):
        digest.update("|".join((key[0], key[1], str(key[2]), key[3])).encode() + b"\n")
    return digest.hexdigest()

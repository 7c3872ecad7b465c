"""Reading a block copied from Excel or WPS: tab-separated cells, one line per row.

Written by hand rather than with the ``csv`` module: a spreadsheet's clipboard text quotes a
cell only when it holds a tab, a newline or a quote, and clerks paste plain numbers far more
often than text; the rules below are those of Excel's "Text (Tab delimited)" clipboard.
"""

from __future__ import annotations


def parse_block(text: str) -> list[list[str]]:
    """Rows of cells from clipboard text; a trailing newline does not make an empty row."""
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    quoted = False
    i = 0
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"' and text[i + 1: i + 2] == '"':
                cell.append('"')
                i += 1
            elif char == '"':
                quoted = False
            else:
                cell.append(char)
        elif char == '"' and not cell:
            quoted = True
        elif char == "\t":
            row.append("".join(cell))
            cell = []
        elif char == "\n":
            row.append("".join(cell))
            rows.append(row)
            row, cell = [], []
        else:
            cell.append(char)
        i += 1
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    return rows

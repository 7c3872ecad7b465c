"""Reading blocks copied from Excel/WPS."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desktop.clipboard import parse_block


def test_excel_rows_and_cells() -> None:
    assert parse_block("12.5\t3\r\n14\t\r\n") == [["12.5", "3"], ["14", ""]]


def test_a_quoted_cell_keeps_its_tab_newline_and_quotes() -> None:
    assert parse_block('"a\tb\nc ""x"""\t2\n') == [['a\tb\nc "x"', "2"]]


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)


@given(st.lists(st.lists(cells, min_size=1, max_size=5), min_size=1, max_size=6))
def test_whatever_excel_copies_comes_back_cell_for_cell(block: list[list[str]]) -> None:
    def quote(cell: str) -> str:
        needs = any(c in cell for c in '\t\n\r"') or cell.startswith('"')
        return '"' + cell.replace('"', '""') + '"' if needs else cell

    text = "\r\n".join("\t".join(quote(c) for c in row) for row in block) + "\r\n"
    expected = [[c.replace("\r\n", "\n").replace("\r", "\n") for c in row] for row in block]
    assert parse_block(text) == expected

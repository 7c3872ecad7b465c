"""The entry grid's filter: one domain (or all) and the search text.

Apart from desktop/main_window.py so that the window's frame shows before Qt's proxy-model
classes and their enums load (issue 15); the window loads it with the data.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel


class DomainFilter(QSortFilterProxyModel):
    """Shows the rows of one domain (or all) whose indicator name contains the search text."""

    def __init__(self) -> None:
        super().__init__()
        self.domain: str | None = None
        self.text = ""

    def set_domain(self, domain: str | None) -> None:
        self.beginFilterChange()
        self.domain = domain
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.text = text.strip()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        row = self.sourceModel().row_at(source_row)  # an EntryTableModel
        if self.domain is not None and row.domain != self.domain:
            return False
        return not self.text or self.text in row.indicator.name

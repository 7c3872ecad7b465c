"""退回: returning a township's figures with reasons, and the list of returns (db/returns.py).

``ReturnDialog`` asks what to return — the figures selected in the grid, or the whole unit-year —
and the reason; ``ReturnsDialog`` lists the returns this installation issued or received and
writes the signed returns file for a unit below (db/sync/returns_file.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.import_scope import unit_label
from db.models import OrgUnit
from db.returns import MAX_REASON, ReturnRequest, describe, returns_of
from desktop.i18n import tr, translatable
from desktop.start_folder import remember_folder, start_folder


class ReturnDialog(QDialog):
    """What to return and why. ``figures``: (code, breakdown, label) selected in the grid."""

    def __init__(self, unit_label: str, year: int, figures: Sequence[tuple[str, str, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("退回数据"))
        self.resize(520, 380)
        self.figures = list(figures)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("退回 {unit} {year}年的数据，请下级按原因更正后重新上报。")
                                .format(unit=unit_label, year=year)))
        self.selected = QRadioButton(tr("所选指标（{n}项）：").format(n=len(self.figures))
                                     + "、".join(label for _, _, label in self.figures[:6])
                                     + (tr("等") if len(self.figures) > 6 else ""))
        self.whole = QRadioButton(tr("整表退回（本单位本年的全部数据）"))
        group = QButtonGroup(self)
        for button in (self.selected, self.whole):
            group.addButton(button)
            layout.addWidget(button)
        self.selected.setEnabled(bool(self.figures))
        (self.selected if self.figures else self.whole).setChecked(True)
        layout.addWidget(QLabel(tr("退回原因（下级将在填报表格中看到）：")))
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("returnReason")
        self.reason.setPlaceholderText(tr("例如：出生数较上年下降过多，请核实后更正或在备注中说明"))
        layout.addWidget(self.reason, 1)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(tr("退回"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def requests(self) -> list[ReturnRequest]:
        """The figures to return (none: the whole unit-year)."""
        if self.whole.isChecked():
            return []
        reason = self.reason_text()
        return [ReturnRequest(code, reason, dis) for code, dis, _ in self.figures]

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def _accept(self) -> None:
        text = self.reason_text()
        if not text:
            QMessageBox.warning(self, tr("退回数据"), tr("请填写退回原因。"))
            return
        if len(text) > MAX_REASON:
            QMessageBox.warning(self, tr("退回数据"),
                                tr("退回原因不能超过 {n} 个字。").format(n=MAX_REASON))
            return
        self.accept()


class ReturnsDialog(QDialog):
    """The returns kept here, open first; 导出退回文件 for the unit of the selected row."""

    HEADERS = (translatable("方向"), translatable("单位"), translatable("年份"),
               translatable("状态"), translatable("退回时间"), translatable("内容"))
    STATES = {"open": translatable("待更正"), "closed": translatable("已关闭")}

    def __init__(self, session: Session, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.user = user
        self.setWindowTitle(tr("退回记录"))
        self.resize(900, 420)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setObjectName("returnsTable")
        self.table.setHorizontalHeaderLabels([tr(h) for h in self.HEADERS])
        self.table.horizontalHeader().setSectionResizeMode(
            len(self.HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table, 1)
        self.note = QLabel(tr("退回文件含发给该单位的全部退回（已关闭的也在内），"
                              "对方导入后即可看到最新状态。"))
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        buttons = QDialogButtonBox()
        self.export_button: QPushButton = buttons.addButton(
            tr("导出退回文件……"), QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self.export_selected)
        buttons.addButton(tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.rows = sorted(returns_of(session), key=lambda r: r.state != "open")
        self._fill()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            # 名称（代码）: a clerk knows the township by its name, not its twelve digits.
            cells = (tr("发出") if row.side == "issued" else tr("收到"),
                     unit_label(self.session, row.unit_code),
                     str(row.year), tr(self.STATES.get(row.state, row.state)),
                     row.issued_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                     describe(self.session, row).split(" — ", 1)[-1])
            for column, text in enumerate(cells):
                self.table.setItem(i, column, QTableWidgetItem(text))
        issued = [i for i, row in enumerate(self.rows) if row.side == "issued"]
        if issued:
            self.table.selectRow(issued[0])
        self.export_button.setEnabled(bool(issued))

    def selected_unit(self) -> str | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        for i in sorted(rows):
            if self.rows[i].side == "issued":
                return self.rows[i].unit_code
        return None

    def export_selected(self) -> None:
        unit = self.selected_unit()
        if unit is None:
            QMessageBox.information(self, tr("导出退回文件"), tr("请先选择一条本单位发出的退回。"))
            return
        chosen, _ = QFileDialog.getSaveFileName(self, tr("导出退回文件"),
                                                str(self.suggested_path(unit)),
                                                tr("填报交换文件 (*.tbsync)"))
        if chosen:
            remember_folder("sync", Path(chosen).parent)
            self.write_file(unit, Path(chosen))

    def suggested_path(self, unit: str) -> Path:
        """退回-太平街道.tbsync, as docs/cli.md names it, in the folder last used for sync."""
        name = self.session.scalar(select(OrgUnit.name).where(OrgUnit.code == unit))
        return start_folder("sync") / f"退回-{name or unit}.tbsync"

    def write_file(self, unit: str, path: Path) -> int:
        from db.errors import UserError
        from db.sync.returns_file import export_returns

        try:
            count = export_returns(self.session, unit, path, self.user)
        except UserError as error:
            QMessageBox.warning(self, tr("导出退回文件"), str(error))
            return 0
        self.note.setText(tr("已写出 {path}：退回记录 {n} 条。请把文件交给该单位导入"
                             "（同步 → 导入交换文件）。").format(path=path, n=count))
        return count

"""设置 → 审核公式…: the plan's cross-checks listed, and the administrator's own added or removed.

A thin view over db/cross_checks.py: the rules come from there and every change goes through
``add_cross_check`` / ``remove_cross_check`` (checked, audited, committed here).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.accounts import CurrentUser
from db.cross_checks import (
    CrossCheck,
    add_cross_check,
    custom_cross_checks,
    describe,
    indicator_names,
    remove_cross_check,
    shipped_cross_checks,
)
from db.errors import UserError
from db.evaluation import plan_of
from db.models import Indicator
from desktop.i18n import tr

OPERATORS = ("<=", "<", "=", ">=", ">")
OPERATOR_LABELS = {"<=": "≤ 不多于", "<": "< 少于", "=": "= 等于", ">=": "≥ 不少于", ">": "> 多于"}


class CrossChecksDialog(QDialog):
    """The shipped rules (read-only) and the plan's own (removable), with a form to add one."""

    def __init__(self, engine: Engine, unit_code: str, user: CurrentUser,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.user = engine, user
        with Session(engine) as session:
            self.plan = plan_of(session, unit_code)
            self.names = indicator_names(session)
            self.codes = list(session.scalars(select(Indicator.code).order_by(Indicator.code)))
        self.setWindowTitle(tr("审核公式"))
        self.resize(960, 560)
        layout = QVBoxLayout(self)
        intro = QLabel(tr("规划 {plan} 的审核公式：“错误”拒绝保存和导入，“提醒”须在上报前于备注中"
                          "说明。软件自带的不能删除。").format(plan=self.plan or "-"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = QStandardItemModel(0, 5, self)
        self.model.setHorizontalHeaderLabels([tr("编号"), tr("来源"), tr("类别"), tr("公式"),
                                              tr("说明")])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.remove_button = QPushButton(tr("删除所选"))
        self.remove_button.clicked.connect(self.remove_selected)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)

        form = QFormLayout()
        self.left = self._indicator_box()
        self.op = QComboBox()
        for op in OPERATORS:
            self.op.addItem(OPERATOR_LABELS[op], op)
        self.right = QLineEdit()
        self.right.setPlaceholderText(tr("指标代码，几个相加用 + 连接，如 a+b"))
        self.factor = QDoubleSpinBox()
        self.factor.setRange(0.0001, 1e6)
        self.factor.setDecimals(4)
        self.factor.setValue(1.0)
        self.disaggregation = QComboBox()
        for key, label in (("total", tr("合计")), ("female", tr("女性")), ("male", tr("男性"))):
            self.disaggregation.addItem(label, key)
        self.severity = QComboBox()
        self.severity.addItem(tr("错误（拒绝保存）"), "error")
        self.severity.addItem(tr("提醒（须在备注中说明）"), "warning")
        self.message = QLineEdit()
        form.addRow(tr("左边指标"), self.left)
        form.addRow(tr("比较"), self.op)
        form.addRow(tr("右边指标之和"), self.right)
        form.addRow(tr("右边乘以"), self.factor)
        form.addRow(tr("分组"), self.disaggregation)
        form.addRow(tr("类别"), self.severity)
        form.addRow(tr("说明"), self.message)
        layout.addLayout(form)
        self.add_button = QPushButton(tr("添加"))
        self.add_button.clicked.connect(self.add)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        allowed = user.allowed("manage_settings") and self.plan is not None
        for widget in (self.add_button, self.remove_button):
            widget.setEnabled(allowed)
        if not allowed:
            self.status.setText(tr("只有管理员可以添加或删除审核公式。"))
        self.reload()

    def _indicator_box(self) -> QComboBox:
        box = QComboBox()
        box.setEditable(True)  # type a few characters of the name or the code to find it
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for code in self.codes:
            box.addItem(f"{self.names.get(code, code)}（{code}）", code)
        return box

    def reload(self) -> None:
        self.model.removeRows(0, self.model.rowCount())
        with Session(self.engine) as session:
            custom = custom_cross_checks(session, self.plan)
        for origin, rules in ((tr("自带"), shipped_cross_checks()), (tr("自定义"), custom)):
            for rule in rules:
                self.model.appendRow(self._row(rule, origin))

    def _row(self, rule: CrossCheck, origin: str) -> list[QStandardItem]:
        kind = tr("错误") if rule.severity == "error" else tr("提醒")
        items = [QStandardItem(text) for text in (rule.id, origin, kind,
                                                  describe(rule, self.names), rule.message)]
        items[0].setData(rule.id, Qt.ItemDataRole.UserRole)
        return items

    def rule_ids(self) -> list[str]:
        return [self.model.item(row, 0).text() for row in range(self.model.rowCount())]

    def add(self) -> None:
        left = self.left.currentData() or self.left.currentText().strip()
        record = {"left": left, "op": self.op.currentData(),
                  "right": [part.strip() for part in self.right.text().split("+")],
                  "factor": self.factor.value(),
                  "disaggregation": self.disaggregation.currentData(),
                  "severity": self.severity.currentData(), "message": self.message.text().strip()}
        self._change(lambda session: add_cross_check(session, self.plan or "", record, self.user),
                     tr("已添加。"))

    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.status.setText(tr("请先选中一条自定义审核公式。"))
            return
        rule_id = self.model.item(rows[0].row(), 0).text()
        self._change(lambda session: remove_cross_check(session, self.plan or "", rule_id,
                                                        self.user), tr("已删除。"))

    def _change(self, action: object, done: str) -> None:
        with Session(self.engine) as session:
            try:
                action(session)  # type: ignore[operator]
                session.commit()
            except UserError as error:
                session.rollback()
                self.status.setText(str(error))
                return
        self.status.setText(done)
        self.reload()

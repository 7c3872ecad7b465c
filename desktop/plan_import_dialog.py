"""文件 → 导入本地规划: a county's own plan, drafted from its text and reviewed goal by goal.

The draft (db/plan_draft/) proposes goals and targets; here a person checks each goal beside
the plan's own words, accepts or corrects each target (kind, comparison, value, year,
indicator — an existing one or a new one with its 指标解释), gives a reason for every number
the rules could not place, and saves. Saving loads the plan into this PC's catalogue
(db/plan_draft/load.py) in one transaction, audited; nothing is written before.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.errors import UserError
from db.plan_text import DOMAIN_NAMES
from desktop.i18n import tr

KINDS = {"threshold": "达到（期限）", "maintain": "每年保持", "approx": "左右",
         "coverage": "全覆盖",
         "trend": "趋势", "relative": "不低于对比指标", "baseline_relative": "比基期提高",
         "per_unit": "每个单位"}
COMPARATORS = [">=", "<=", ">", "<", "=", "approx"]
# Target table columns.
ACCEPTED, KIND, COMPARATOR, VALUE, YEAR, INDICATOR, SOURCE = range(7)


class PlanReviewDialog(QDialog):
    """Review a draft goal by goal; ``save`` loads it. ``draft`` is not modified until then."""

    def __init__(self, engine: Engine, draft: dict[str, Any], plan_text: list[str],
                 user: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.user = engine, user
        self.draft = copy.deepcopy(draft)
        self.plan_text = plan_text
        self.saved_code: str | None = None
        plan = self.draft["plans"][0]
        self.setWindowTitle(tr("导入本地规划") + f" — {plan['name']}")
        self.resize(1280, 780)
        self.indicators = self._indicator_choices()

        self.goals = QListWidget()
        self.goals.setObjectName("planGoals")
        self.text = QTextBrowser()
        self.text.setObjectName("planText")
        self.targets = QTableWidget(0, 7)
        self.targets.setObjectName("planTargets")
        self.targets.setHorizontalHeaderLabels(
            [tr("已核对"), tr("类型"), tr("比较"), tr("数值"), tr("年份"), tr("指标"), tr("原文")])
        self.targets.horizontalHeader().setSectionResizeMode(SOURCE, QHeaderView.ResizeMode.Stretch)
        self.targets.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.targets.setColumnWidth(ACCEPTED, 56)
        self.targets.setColumnWidth(INDICATOR, 280)
        self.unresolved = QTableWidget(0, 2)
        self.unresolved.setObjectName("planUnresolved")
        self.unresolved.setHorizontalHeaderLabels(
            [tr("未能定位的数字或条款"), tr("不作为目标的理由")])
        self.unresolved.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel()
        self.status.setObjectName("planStatus")
        self.status.setWordWrap(True)

        add = QPushButton(tr("添加目标值"))
        add.clicked.connect(self.add_target)
        remove = QPushButton(tr("删除所选目标值"))
        remove.clicked.connect(self.remove_target)
        define = QPushButton(tr("定义新指标……"))
        define.clicked.connect(self.define_indicator)
        accept_all = QPushButton(tr("本条全部核对无误"))
        accept_all.clicked.connect(self.accept_goal)
        tools = QHBoxLayout()
        for button in (accept_all, add, remove, define):
            tools.addWidget(button)
        tools.addStretch(1)

        right = QWidget()
        column = QVBoxLayout(right)
        column.addWidget(QLabel(tr("规划原文（本领域，当前条目加粗）")))
        column.addWidget(self.text, 2)
        column.addWidget(QLabel(tr("目标值：逐项核对，可直接修改")))
        column.addWidget(self.targets, 3)
        column.addLayout(tools)
        column.addWidget(QLabel(tr("待处理：请写明理由，或改为目标值后删除该行")))
        column.addWidget(self.unresolved, 1)
        splitter = QSplitter()
        splitter.addWidget(self.goals)
        splitter.addWidget(right)
        splitter.setSizes([360, 900])

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(tr("保存到本机目录"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        self.current: str | None = None
        self.accepted: set[str] = set()  # target ids a person has checked
        for goal in self.draft["goals"]:
            self.goals.addItem(QListWidgetItem(self._goal_label(goal)))
        self.goals.currentRowChanged.connect(self._show_goal)
        if self.draft["goals"]:
            self.goals.setCurrentRow(0)
        self._update_status()

    # ------------------------------------------------------------------ reading the draft

    def _indicator_choices(self) -> list[tuple[str, str]]:
        from sqlalchemy import select

        from db.models import Indicator

        with Session(self.engine) as session:
            known = [(i.code, i.name) for i in session.scalars(
                select(Indicator).order_by(Indicator.domain_key, Indicator.code))]
        proposed = [(i["code"], i["name"] + tr("（新）")) for i in self.draft["indicators"]
                    if i.get("proposed")]
        return proposed + known

    def _goal_label(self, goal: dict[str, Any]) -> str:
        where = DOMAIN_NAMES.get(goal["domain"], goal["domain"])
        if goal["chapter"] == "key_projects":
            where = tr("重点工程")
        open_items = sum(1 for u in self.draft["unresolved"] if u["goal"] == goal["id"]
                         and u.get("why", "?") in ("", "?"))
        mark = "⚠ " if open_items else ""
        return f"{mark}{where} {goal['number']}．{goal['text'][:24]}"

    def goal_row(self, goal_id: str) -> int:
        return next(i for i, g in enumerate(self.draft["goals"]) if g["id"] == goal_id)

    def _show_goal(self, row: int) -> None:
        self._store_goal()
        if row < 0:
            return
        goal = self.draft["goals"][row]
        self.current = goal["id"]
        self.text.setHtml(self._text_around(goal))
        self.targets.setRowCount(0)
        for target in self._targets_of(goal["id"]):
            self._append_target_row(target)
        self.unresolved.setRowCount(0)
        for item in self.draft["unresolved"]:
            if item["goal"] == goal["id"]:
                r = self.unresolved.rowCount()
                self.unresolved.insertRow(r)
                shown = QTableWidgetItem(item["text"])
                shown.setFlags(shown.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.unresolved.setItem(r, 0, shown)
                why = "" if item.get("why", "?") == "?" else item["why"]
                self.unresolved.setItem(r, 1, QTableWidgetItem(why))

    def _text_around(self, goal: dict[str, Any]) -> str:
        """The goals of the same domain as the plan prints them, this one in bold."""
        same = [g for g in self.draft["goals"] if g["chapter"] == goal["chapter"] and (
            g["domain"] == goal["domain"] or g["chapter"] == "key_projects")]
        parts = []
        for g in same:
            line = escape(f"{g['number']}．{g['text']}")
            departments = "、".join(g.get("lead", []) + g.get("responsible", []))
            if departments:
                line += f"<span style='color:#555'>（{escape(departments)}）</span>"
            parts.append(f"<p><b>{line}</b></p>" if g is goal else f"<p>{line}</p>")
        return "".join(parts)

    def _targets_of(self, goal_id: str) -> list[dict[str, Any]]:
        return [t for t in self.draft["targets"] if t["id"].rsplit("-", 1)[0] == goal_id]

    def _append_target_row(self, target: dict[str, Any]) -> None:
        r = self.targets.rowCount()
        self.targets.insertRow(r)
        check = QTableWidgetItem()
        check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        check.setCheckState(Qt.CheckState.Checked if target["id"] in self.accepted
                            else Qt.CheckState.Unchecked)
        check.setData(Qt.ItemDataRole.UserRole, target["id"])
        self.targets.setItem(r, ACCEPTED, check)
        self.targets.setCellWidget(r, KIND, _combo(list(KINDS.items()), target["kind"]))
        self.targets.setCellWidget(r, COMPARATOR, _combo([(c, c) for c in COMPARATORS],
                                                         target.get("comparator") or ">="))
        value = target.get("value")
        self.targets.setItem(r, VALUE, QTableWidgetItem("" if value is None else f"{value:g}"))
        year = target.get("year")
        self.targets.setItem(r, YEAR, QTableWidgetItem("" if year is None else str(year)))
        self.targets.setCellWidget(r, INDICATOR, _combo(self.indicators, target["indicator"]))
        self.targets.setItem(r, SOURCE, QTableWidgetItem(target.get("source", "")))

    # ------------------------------------------------------------------ editing

    def _store_goal(self) -> None:
        """Write the shown goal's table rows back into the draft."""
        if self.current is None:
            return
        goal_id = self.current
        kept = []
        for r in range(self.targets.rowCount()):
            target_id = self.targets.item(r, ACCEPTED).data(Qt.ItemDataRole.UserRole)
            old = next((t for t in self.draft["targets"] if t["id"] == target_id), None)
            target = dict(old) if old else self._new_target(goal_id, target_id)
            target["kind"] = self.targets.cellWidget(r, KIND).currentData()
            target["comparator"] = self.targets.cellWidget(r, COMPARATOR).currentData()
            target["value"] = _number(self.targets.item(r, VALUE).text())
            target["year"] = _integer(self.targets.item(r, YEAR).text())
            target["indicator"] = self.targets.cellWidget(r, INDICATOR).currentData()
            target["indicator_name"] = dict(self.indicators).get(target["indicator"], "")
            target["source"] = self.targets.item(r, SOURCE).text()
            if target["kind"] in ("trend", "relative"):
                target["value"] = None
            if target["kind"] == "approx":
                target["comparator"], target["tolerance"] = "approx", target.get("tolerance") or 2
            if self.targets.item(r, ACCEPTED).checkState() == Qt.CheckState.Checked:
                self.accepted.add(target_id)
            else:
                self.accepted.discard(target_id)
            kept.append(target)
        self.draft["targets"] = [t for t in self.draft["targets"]
                                 if t["id"].rsplit("-", 1)[0] != goal_id] + kept
        rows = [(self.unresolved.item(r, 0).text(), self.unresolved.item(r, 1).text().strip())
                for r in range(self.unresolved.rowCount())]
        others = [u for u in self.draft["unresolved"] if u["goal"] != goal_id]
        self.draft["unresolved"] = others + [{"goal": goal_id, "text": text, "why": why or "?"}
                                             for text, why in rows]
        self.goals.item(self.goal_row(goal_id)).setText(
            self._goal_label(self.draft["goals"][self.goal_row(goal_id)]))
        self._update_status()

    def _new_target(self, goal_id: str, target_id: str) -> dict[str, Any]:
        goal = self.draft["goals"][self.goal_row(goal_id)]
        return {"id": target_id, "plan": goal["plan"], "domain": goal["domain"],
                "goal": goal["number"], "chapter": goal["chapter"], "measure": "level",
                "unit": None, "tolerance": None, "baseline_year": None, "relative_to": None,
                "per_unit_level": None, "disaggregation": None}

    def add_target(self) -> None:
        if self.current is None:
            return
        used = [int(t["id"].rsplit("-", 1)[1]) for t in self.draft["targets"]
                if t["id"].rsplit("-", 1)[0] == self.current]
        for r in range(self.targets.rowCount()):
            used.append(int(self.targets.item(r, ACCEPTED).data(
                Qt.ItemDataRole.UserRole).rsplit("-", 1)[1]))
        target_id = f"{self.current}-{max(used, default=0) + 1}"
        goal = self.draft["goals"][self.goal_row(self.current)]
        self._append_target_row({"id": target_id, "kind": "threshold", "comparator": ">=",
                                 "value": None, "year": None, "source": goal["text"],
                                 "indicator": self.indicators[0][0]})
        self.targets.setCurrentCell(self.targets.rowCount() - 1, VALUE)

    def remove_target(self) -> None:
        for r in sorted({i.row() for i in self.targets.selectedIndexes()}, reverse=True):
            self.targets.removeRow(r)

    def accept_goal(self) -> None:
        for r in range(self.targets.rowCount()):
            self.targets.item(r, ACCEPTED).setCheckState(Qt.CheckState.Checked)
        self._store_goal()

    def define_indicator(self) -> None:
        """A new indicator, or the 指标解释 of the proposed one the selected target uses."""
        proposed = self._selected_proposal()
        form = IndicatorForm(self, proposed)
        if form.exec() != QDialog.DialogCode.Accepted:
            return
        domain = (self.draft["goals"][self.goal_row(self.current)]["domain"]
                  if self.current else "health")
        if proposed is not None:
            self._store_goal()
            updated = form.entry(0, proposed["domain"])
            proposed.update({k: v for k, v in updated.items() if k != "code"})
            self.indicators = [(c, proposed["name"] + tr("（新）") if c == proposed["code"] else n)
                               for c, n in self.indicators]
            if self.current is not None:
                self._show_goal(self.goal_row(self.current))
            return
        entry = form.entry(len([i for i in self.draft["indicators"] if i.get("proposed")]) + 1,
                           domain, self.draft["plans"][0]["code"])
        self.add_indicator(entry)

    def _selected_proposal(self) -> dict[str, Any] | None:
        rows = sorted({i.row() for i in self.targets.selectedIndexes()})
        if not rows:
            return None
        code = self.targets.cellWidget(rows[0], INDICATOR).currentData()
        return next((i for i in self.draft["indicators"]
                     if i["code"] == code and i.get("proposed")), None)

    def add_indicator(self, entry: dict[str, Any]) -> None:
        """A new indicator (with its 指标解释) the targets can pick."""
        self._store_goal()
        self.draft["indicators"].append(entry)
        self.indicators.insert(0, (entry["code"], entry["name"] + tr("（新）")))
        if self.current is not None:
            self._show_goal(self.goal_row(self.current))

    def _update_status(self) -> None:
        open_items = sum(1 for u in self.draft["unresolved"] if u.get("why", "?") in ("", "?"))
        checked = len(self.accepted & {t["id"] for t in self.draft["targets"]})
        self.status.setText(tr(
            "共 {g} 条目标、{t} 项目标值，已核对 {c} 项；待处理 {u} 处。").format(
            g=len(self.draft["goals"]), t=len(self.draft["targets"]), c=checked, u=open_items))

    # ------------------------------------------------------------------ saving

    def save(self) -> bool:
        from db.plan_draft.load import import_plan, problems

        self._store_goal()
        unchecked = [t["id"] for t in self.draft["targets"] if t["id"] not in self.accepted]
        with Session(self.engine) as session:
            found = problems(session, self.draft)
            if unchecked:
                found.insert(0, tr("还有 {n} 项目标值未核对（勾选“已核对”）。").format(
                    n=len(unchecked)))
            if found:
                self.status.setText("<br>".join(escape(p) for p in found[:12]))
                return False
            try:
                self.saved_code = import_plan(session, self.draft, self.user)
            except UserError as error:
                self.status.setText(escape(str(error)))
                return False
        self.accept()
        return True


class IndicatorForm(QDialog):
    """A new indicator with its 指标解释: what the plan's clause measures, and how."""

    FIELDS = (("name", "指标名称"), ("unit", "计量单位"), ("meaning", "含义"),
              ("formula", "计算方法（分子÷分母）"), ("source", "统计来源"),
              ("department", "报送部门"))

    def __init__(self, parent: QWidget | None = None,
                 proposed: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("定义新指标"))
        layout = QFormLayout(self)
        self.edits = {key: QLineEdit() for key, _ in self.FIELDS}
        if proposed is not None:  # the drafter's proposal: its name and unit, explained here
            known = {**(proposed.get("explanation") or {}), "name": proposed["name"],
                     "unit": proposed["unit"]}
            for key, edit in self.edits.items():
                edit.setText(str(known.get(key) or ""))
        for key, label in self.FIELDS:
            layout.addRow(tr(label), self.edits[key])
        self.direction = _combo([("higher", tr("越高越好")), ("lower", tr("越低越好"))], "higher")
        layout.addRow(tr("方向"), self.direction)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def _check(self) -> None:
        empty = [label for key, label in self.FIELDS if not self.edits[key].text().strip()]
        if empty:
            QMessageBox.warning(self, tr("定义新指标"), tr("请填写：") + "、".join(empty))
            return
        self.accept()

    def entry(self, number: int, domain: str, plan: str = "") -> dict[str, Any]:
        values = {key: self.edits[key].text().strip() for key, _ in self.FIELDS}
        return {"code": f"local_{plan}_{number}", "name": values["name"], "domain": domain,
                "kind": "direct", "unit": values["unit"],
                "direction": self.direction.currentData(), "collected_at": "county",
                "numerator": None, "denominator": None, "factor": None, "disaggregation": [],
                "definition": "", "proposed": True,
                "explanation": {k: values[k] for k in ("meaning", "formula", "unit", "source",
                                                       "department")}}


class PlanMetaForm(QDialog):
    """Which jurisdiction the plan is for: code, name, level, the level above."""

    def __init__(self, file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("导入本地规划"))
        layout = QFormLayout(self)
        layout.addRow(QLabel(tr("规划文件：") + file_name))
        self.code, self.name = QLineEdit(), QLineEdit()
        self.parent_code, self.parent_name, self.province = QLineEdit(), QLineEdit(), QLineEdit()
        self.level = _combo([("county", "县"), ("district", "区"), ("county_city", "县级市"),
                             ("city", "地级市")], "county")
        for label, edit in (("行政区划代码（6位）", self.code), ("地区名称", self.name),
                            ("层级", self.level), ("上级代码", self.parent_code),
                            ("上级名称", self.parent_name), ("省份", self.province)):
            layout.addRow(tr(label), edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)


def draft_for_review(engine: Engine, path: Path, meta: Any) -> tuple[dict[str, Any], list[str]]:
    """Read and draft a plan file; UserError with a plain message when it cannot be read."""
    from db.plan_draft.indicators import indicator_dicts
    from db.plan_draft.plan import draft_plan
    from db.plan_draft.sources import read_plan_source

    lines = read_plan_source(path)
    with Session(engine) as session:
        try:
            return draft_plan(lines, meta, indicator_dicts(session)), lines
        except ValueError as error:
            raise UserError(str(error)) from None


def open_plan_import(parent: QWidget, engine: Engine, user: str,
                     done: Callable[[], None]) -> str | None:
    """文件 → 导入本地规划: pick the file, say whose plan it is, review, save."""
    from db.plan_draft.plan import PlanMeta

    name, _ = QFileDialog.getOpenFileName(parent, tr("选择规划文本"), "",
                                          tr("规划文本 (*.txt *.docx *.pdf)"))
    if not name:
        return None
    form = PlanMetaForm(Path(name).name, parent)
    if form.exec() != QDialog.DialogCode.Accepted:
        return None
    meta = PlanMeta(form.code.text().strip(), form.name.text().strip(),
                    form.level.currentData(), form.parent_code.text().strip(),
                    form.parent_name.text().strip(), form.province.text().strip(),
                    source=Path(name).name)
    try:
        draft, lines = draft_for_review(engine, Path(name), meta)
    except UserError as error:
        QMessageBox.warning(parent, tr("导入本地规划"), str(error))
        return None
    dialog = PlanReviewDialog(engine, draft, lines, user, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved_code:
        QMessageBox.information(parent, tr("导入本地规划"),
                                tr("规划已保存到本机目录：{code}").format(code=dialog.saved_code))
        done()
        return dialog.saved_code
    return None


def _combo(items: list[tuple[str, str]], current: str) -> QComboBox:
    box = QComboBox()
    for data, label in items:
        box.addItem(label, data)
    index = box.findData(current)
    box.setCurrentIndex(max(index, 0))
    return box


def _number(text: str) -> float | None:
    try:
        return float(text.strip().rstrip("%")) if text.strip() else None
    except ValueError:
        return None


def _integer(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None

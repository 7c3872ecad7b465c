"""The first-start wizard: which unit does this computer report for?

Either a jurisdiction with a plan of its own in the catalogue (a county, district or city: the
妇儿工委办 that also adds up its townships) or a township (乡镇/街道) under one of the county-level
ones. Nothing is written until 完成: cancelling leaves the database as it was. The choice is
stored by :func:`db.units.init_unit`, the same function as ``tianbao init --unit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Plan
from db.unit_list import UnitList, UnitListError, read_unit_list
from db.units import UnitError, init_unit
from desktop.i18n import tr
from desktop.units_dialog import UnitFields

PLAN_LEVEL_LABELS = {"county": "县", "district": "区", "county_city": "县级市", "city": "地级市"}
# Township codes begin with the county's six digits; a prefecture-level city has no townships of
# its own (its townships belong to its counties and districts), so it cannot be their parent.
_TOWNSHIP_PARENT_LEVELS = {"county", "district", "county_city"}

INTRO_ID, TOWNSHIP_ID, SUMMARY_ID = 0, 1, 2


@dataclass(frozen=True)
class PlanChoice:
    code: str
    name: str
    level: str
    province: str
    parent_name: str
    title: str

    @property
    def can_have_townships(self) -> bool:
        return self.level in _TOWNSHIP_PARENT_LEVELS


@dataclass(frozen=True)
class FirstStartChoice:
    """What the clerk chose: a plan's jurisdiction, or a township under one."""

    plan: PlanChoice
    township_name: str | None = None
    township_code: str | None = None

    @property
    def unit_code(self) -> str:
        return self.township_code or self.plan.code

    @property
    def unit_name(self) -> str:
        return self.township_name or self.plan.name


def level_label(level: str) -> str:
    labels = {"county": tr("县"), "district": tr("区"), "county_city": tr("县级市"),
              "city": tr("地级市")}
    return labels.get(level, level)


def above(plan: PlanChoice) -> str:
    """The province and the parent, once: a prefecture-level city's parent is its province."""
    if not plan.parent_name or plan.parent_name == plan.province:
        return plan.province
    return f"{plan.province} {plan.parent_name}"


def plan_choices(session: Session) -> list[PlanChoice]:
    return [PlanChoice(p.code, p.name, p.level, p.province, p.parent_name, p.title)
            for p in session.scalars(select(Plan).order_by(Plan.code))]


class IntroPage(QWizardPage):
    """Explains, then asks: this jurisdiction, or a township under it?"""

    def __init__(self, plans: list[PlanChoice]) -> None:
        super().__init__()
        self.plans = plans
        self.setTitle(tr("欢迎使用填报"))
        self.setSubTitle(tr("妇女发展规划（2021—2030年）监测数据的填报、汇总与评估"))
        explanation = QLabel(tr(
            "填报用于记录本地区妇女发展规划各项主要目标的监测数据，自动评估是否达到目标值并给出"
            "预警。数据只保存在本机，不需要联网。\n\n"
            "首次使用前，请确定本机为哪个单位填报。填报、汇总和报告都以这个单位为准。"
        ))
        explanation.setWordWrap(True)
        question = QLabel("<b>" + tr("本机为哪个单位填报？") + "</b>")

        self.jurisdiction_radio = QRadioButton(
            tr("本地区（县、区、市）：妇儿工委办公室填报，并汇总下属乡镇（街道）的数据"))
        self.township_radio = QRadioButton(
            tr("乡镇（街道）：填报本乡镇（街道）的数据，报送县（市、区）汇总"))
        self.jurisdiction_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.jurisdiction_radio)
        group.addButton(self.township_radio)

        self.list_label = QLabel()
        self.model = QStandardItemModel(0, 4, self)
        self.model.setHorizontalHeaderLabels([tr("地区"), tr("级别"), tr("行政区划代码"),
                                              tr("所属")])
        for plan in plans:
            row = [QStandardItem(plan.name), QStandardItem(level_label(plan.level)),
                   QStandardItem(plan.code), QStandardItem(above(plan))]
            for item in row:
                item.setEditable(False)
                item.setToolTip(plan.title)
            self.model.appendRow(row)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        note = QLabel(tr("列表中是本软件已收录规划的地区。"))
        note.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addSpacing(8)
        layout.addWidget(question)
        layout.addWidget(self.jurisdiction_radio)
        layout.addWidget(self.township_radio)
        layout.addSpacing(8)
        layout.addWidget(self.list_label)
        layout.addWidget(self.table)
        layout.addWidget(note)

        self.jurisdiction_radio.toggled.connect(self._kind_changed)
        self.table.selectionModel().selectionChanged.connect(self.completeChanged)
        self._kind_changed()

    def for_township(self) -> bool:
        return self.township_radio.isChecked()

    def selected_plan(self) -> PlanChoice | None:
        for index in self.table.selectionModel().selectedRows():
            if not self.table.isRowHidden(index.row()):
                return self.plans[index.row()]
        return None

    def select_plan(self, code: str) -> None:
        row = next(i for i, plan in enumerate(self.plans) if plan.code == code)
        self.table.selectionModel().select(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def isComplete(self) -> bool:
        plan = self.selected_plan()
        return plan is not None and (plan.can_have_townships or not self.for_township())

    def validatePage(self) -> bool:
        return self.isComplete()

    def nextId(self) -> int:
        return TOWNSHIP_ID if self.for_township() else SUMMARY_ID

    def _kind_changed(self) -> None:
        township = self.for_township()
        self.list_label.setText(tr("乡镇（街道）所属的县（市、区）：") if township
                                else tr("本地区："))
        for row, plan in enumerate(self.plans):
            self.table.setRowHidden(row, township and not plan.can_have_townships)
        selected = self.selected_plan()
        if selected is not None and township and not selected.can_have_townships:
            self.table.clearSelection()
        self.completeChanged.emit()


class TownshipPage(QWizardPage):
    """The township's name and 统计用区划代码, checked as they are typed."""

    def __init__(self, intro: IntroPage) -> None:
        super().__init__()
        self._intro = intro
        self.setTitle(tr("乡镇（街道）"))
        self.county_label = QLabel()
        self.county_label.setWordWrap(True)
        self._fields_box = QVBoxLayout()
        # A township given its county's unit list picks itself instead of typing 12 digits.
        self.list_button = QPushButton(tr("从单位名单选择……"))
        self.list_button.setToolTip(tr("县里“管理乡镇 → 导出乡镇名单”得到的文件"))
        self.list_button.clicked.connect(lambda: self.load_unit_list())
        self.list_choice = QComboBox()
        self.list_choice.hide()
        self.list_choice.currentIndexChanged.connect(self._listed_chosen)
        self.list_note = QLabel()
        self.list_note.setWordWrap(True)
        self.list_note.hide()
        list_row = QHBoxLayout()
        list_row.addWidget(self.list_button)
        list_row.addWidget(self.list_choice, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.county_label)
        layout.addLayout(list_row)
        layout.addWidget(self.list_note)
        layout.addLayout(self._fields_box)
        layout.addStretch()
        self.fields: UnitFields | None = None
        self.unit_list: UnitList | None = None

    def load_unit_list(self, path: str | None = None) -> bool:
        """Read the county's unit list and offer its townships; False if it is not usable."""
        from desktop.start_folder import start_folder

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, tr("选择单位名单文件"),
                                                  str(start_folder("unit-list")),
                                                  tr("单位名单 (*.tbunits *.json);;所有文件 (*)"))
        if not path:
            return False
        try:
            listed = read_unit_list(Path(path))
        except UnitListError as error:
            self._say(str(error), error=True)
            return False
        plan = self._intro.selected_plan()
        if plan is not None and listed.code != plan.code:
            self._say(tr("此名单属于{name}（{code}），不是所选的{chosen}（{chosen_code}）。"
                         "请返回上一步选择{name}，或使用{chosen}的名单。").format(
                             name=listed.name, code=listed.code, chosen=plan.name,
                             chosen_code=plan.code), error=True)
            return False
        if not listed.children:
            self._say(tr("{name}的名单中没有乡镇（街道）。").format(name=listed.name), error=True)
            return False
        self.unit_list = listed
        self.list_choice.blockSignals(True)
        self.list_choice.clear()
        self.list_choice.addItem(tr("请选择本乡镇（街道）"), None)
        for child in listed.children:
            self.list_choice.addItem(f"{child.name}（{child.code}）", child.code)
        self.list_choice.blockSignals(False)
        self.list_choice.show()
        self._say(tr("已读取{name}的单位名单：共 {n} 个乡镇（街道）。选择后名称和代码自动填好。")
                  .format(name=listed.name, n=len(listed.children)))
        return True

    def choose_listed(self, code: str) -> None:
        self.list_choice.setCurrentIndex(self.list_choice.findData(code))

    def _listed_chosen(self, _index: int) -> None:
        code = self.list_choice.currentData()
        if self.unit_list is None or self.fields is None or code is None:
            return
        child = next(c for c in self.unit_list.children if c.code == code)
        self.fields.name_edit.setText(child.name)
        self.fields.code_edit.setText(child.code)

    def _say(self, text: str, error: bool = False) -> None:
        self.list_note.setText(text)
        self.list_note.setStyleSheet("color: #b3261e;" if error else "")
        self.list_note.show()

    def initializePage(self) -> None:
        plan = self._intro.selected_plan()
        assert plan is not None  # the intro page is complete only with one
        self.setSubTitle(tr("所属{level}：{name}（{code}）").format(
            level=level_label(plan.level), name=plan.name, code=plan.code))
        self.county_label.setText(tr("请填写本乡镇（街道）的名称和统计用区划代码。"
                                     "本乡镇（街道）执行《{title}》。").format(title=plan.title))
        if self.fields is not None and self.fields.property("county") == plan.code:
            return  # back and forth on the same county keeps what was typed
        if self.fields is not None:
            self._fields_box.removeWidget(self.fields)
            self.fields.deleteLater()
        self.fields = UnitFields(plan.code, plan.name)
        self.fields.setProperty("county", plan.code)
        self.fields.changed.connect(self.completeChanged)
        self._fields_box.addWidget(self.fields)
        self.fields.name_edit.setFocus()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.fields is not None and self.fields.is_valid()

    def validatePage(self) -> bool:
        return self.isComplete()

    def nextId(self) -> int:
        return SUMMARY_ID


class SummaryPage(QWizardPage):
    """What 完成 will set up, in words."""

    def __init__(self, wizard: FirstStartWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(tr("确认"))
        self.setSubTitle(tr("点击“完成”后开始使用。"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addStretch()
        self.setFinalPage(True)

    def initializePage(self) -> None:
        choice = self._wizard.choice()
        self.summary.setText(summary_text(choice) if choice is not None else "")

    def nextId(self) -> int:
        return -1


def summary_text(choice: FirstStartChoice) -> str:
    plan = choice.plan
    if choice.township_code is None:
        return tr("本机为 {name}（{level}，行政区划代码 {code}）填报。\n\n"
                  "执行规划：《{title}》\n上级：{above}\n\n"
                  "之后可以添加下属乡镇（街道），汇总它们报送的数据。").format(
                      name=plan.name, level=level_label(plan.level), code=plan.code,
                      title=plan.title, above=above(plan))
    return tr("本机为乡镇（街道）{name}（统计用区划代码 {code}）填报。\n\n"
              "所属：{county}（{county_code}）\n执行规划：《{title}》\n\n"
              "填好的数据报送{county}汇总。").format(
                  name=choice.township_name, code=choice.township_code, county=plan.name,
                  county_code=plan.code, title=plan.title)


class FirstStartWizard(QWizard):
    """Asks for the home unit and, on 完成, stores it with :func:`init_unit` and commits."""

    def __init__(self, session: Session, parent: QWidget | None = None, user: str = "") -> None:
        super().__init__(parent)
        self._session = session
        self._user = user
        self.home_unit: str | None = None
        self.setWindowTitle(tr("填报 — 首次使用设置"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        for button, text in ((QWizard.WizardButton.BackButton, tr("< 上一步")),
                             (QWizard.WizardButton.NextButton, tr("下一步 >")),
                             (QWizard.WizardButton.FinishButton, tr("完成")),
                             (QWizard.WizardButton.CancelButton, tr("取消"))):
            self.setButtonText(button, text)
        self.intro = IntroPage(plan_choices(session))
        self.township = TownshipPage(self.intro)
        self.summary = SummaryPage(self)
        self.setPage(INTRO_ID, self.intro)
        self.setPage(TOWNSHIP_ID, self.township)
        self.setPage(SUMMARY_ID, self.summary)
        self.setStartId(INTRO_ID)
        self.resize(680, 560)

    def choice(self) -> FirstStartChoice | None:
        """The clerk's choice if every page it needs is complete, else None."""
        plan = self.intro.selected_plan()
        if plan is None or not self.intro.isComplete():
            return None
        if not self.intro.for_township():
            return FirstStartChoice(plan)
        fields = self.township.fields
        if fields is None or not fields.is_valid():
            return None
        return FirstStartChoice(plan, fields.name(), fields.code())

    def accept(self) -> None:
        choice = self.choice()
        if choice is None:
            return
        try:
            # For a township, init_unit adds its county (from the plan) on the way if missing.
            unit = init_unit(self._session, choice.unit_code, name=choice.township_name,
                             parent_code=choice.plan.code if choice.township_code else None,
                             user=self._user)
            # The signing key of this installation is made at setup, as the sync issue asks,
            # so its fingerprint can be read out to the county before the first file is sent.
            from db.sync.keys import ensure_local_key  # cryptography: only when setting up

            ensure_local_key(self._session, self._user)
            self._session.commit()
        except UnitError as error:
            self._session.rollback()
            QMessageBox.warning(self, tr("无法完成设置"), str(error))
            return
        self.home_unit = unit.code
        super().accept()


def run_first_start_wizard(parent: QWidget | None, session: Session) -> str | None:
    """Ask which unit this computer reports for; its code once stored, None if cancelled."""
    wizard = FirstStartWizard(session, parent)
    if wizard.exec() == QWizard.DialogCode.Accepted:
        return wizard.home_unit
    return None

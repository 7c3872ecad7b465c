"""文件 → 导入本地规划: the review dialog driven as an officer drives it (offscreen, real file)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.models import Goal, Plan, Target
from db.plan_draft.plan import PlanMeta
from db.storage import prepare_database, resolve_database_url
from desktop.plan_import_dialog import (
    ACCEPTED,
    INDICATOR,
    VALUE,
    PlanReviewDialog,
    draft_for_review,
)
from tests.outside_inputs import seed_text


def test_review_goal_by_goal_correct_resolve_and_save(qtbot: QtBot, tmp_path: Path) -> None:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "county.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
    text = seed_text("000_8b6f2c233cd16ecf.txt").read_text("utf-8").replace("盘山", "青禾")
    # One goal the rules cannot place: the officer must give the reason.
    text = text.replace("12.健全妇幼健康服务体系，提升妇幼健康服务能力，妇女健康水平不断提高。",
                        "12.健全妇幼健康服务体系，提升妇幼健康服务能力，妇女健康水平不断提高。\n"
                        "13.全县建成妇女儿童活动中心5个。", 1)
    plan_file = tmp_path / "青禾县规划.txt"
    plan_file.write_text(text, encoding="utf-8")
    meta = PlanMeta("130181", "青禾县", "county", "130100", "远山市", "河北省",
                    source=plan_file.name)
    draft, lines = draft_for_review(prepared.engine, plan_file, meta)
    dialog = PlanReviewDialog(prepared.engine, draft, lines, user="admin")
    qtbot.addWidget(dialog)
    dialog.show()

    # Goal by goal beside the plan's text: the second health goal, in bold among its domain.
    dialog.goals.setCurrentRow(dialog.goal_row("130181-health-2"))
    assert "2．孕产妇系统管理率保持在90%以上" in dialog.text.toPlainText()
    assert "1．妇女全生命周期" in dialog.text.toPlainText()  # the domain's other goals around it
    assert dialog.targets.rowCount() == 3
    # Correct a target: the county's own bound is 92, not 90.
    dialog.targets.item(0, VALUE).setText("92")
    assert dialog.targets.cellWidget(0, INDICATOR).currentData() == \
        "maternal_system_management_rate"

    # Saving is refused while targets are unchecked and a number is unresolved.
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved_code is None
    assert "未核对" in dialog.status.text() and "尚未处理" in dialog.status.text()

    for row in range(len(draft["goals"])):
        dialog.goals.setCurrentRow(row)
        dialog.accept_goal()
    dialog.goals.setCurrentRow(dialog.goal_row("130181-health-13"))
    assert dialog.unresolved.rowCount() == 1
    assert dialog.unresolved.item(0, 0).text() == "5"
    dialog.unresolved.item(0, 1).setText("活动中心数量由县妇联年度报告说明，不作监测指标")
    dialog.goals.setCurrentRow(0)  # moving on keeps what was typed
    assert dialog.targets.item(0, ACCEPTED).checkState() == Qt.CheckState.Checked

    dialog.grab().save(str(tmp_path / "review.png"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved_code == "130181", dialog.status.text()

    with Session(prepared.engine) as session:
        plan = session.get(Plan, "130181")
        assert plan is not None and plan.name == "青禾县"
        assert session.get(Target, "130181-health-2-1").value == 92
        goal = session.get(Goal, "130181-health-13")
        assert goal.non_targets == [{"text": "5",
                                     "why": "活动中心数量由县妇联年度报告说明，不作监测指标"}]
        assert len(session.scalars(select(Goal).where(Goal.plan_code == "130181")).all()) == 77
    prepared.engine.dispose()

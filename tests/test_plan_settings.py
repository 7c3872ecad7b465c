"""Settings per plan (issue 13): defaults until an administrator changes one, checked, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts import CurrentUser, single_user
from db.models import AuditEntry
from db.plan_settings import (
    FORM_HEADER,
    YOY_THRESHOLD,
    SettingError,
    put_setting,
    reset_setting,
    setting,
)
from desktop.cli.main import main

CLERK = CurrentUser("li", "李", "clerk")


def test_a_plan_nobody_configured_has_the_neutral_defaults(county: Session) -> None:
    assert setting(county, "211122", YOY_THRESHOLD) == 0.30
    assert setting(county, "211122", FORM_HEADER)["表号"] == "妇规监测表"


def test_one_plans_setting_does_not_change_anothers(county: Session) -> None:
    put_setting(county, "211122", YOY_THRESHOLD, 0.2, single_user())
    county.commit()
    assert setting(county, "211122", YOY_THRESHOLD) == 0.2
    assert setting(county, "210204", YOY_THRESHOLD) == 0.30


def test_a_changed_setting_is_audited_and_can_be_reset(county: Session) -> None:
    put_setting(county, "211122", FORM_HEADER, {"表号": "辽妇规1表"}, single_user())
    reset_setting(county, "211122", FORM_HEADER, single_user())
    county.commit()
    assert setting(county, "211122", FORM_HEADER)["表号"] == "妇规监测表"
    trail = county.scalars(select(AuditEntry).where(AuditEntry.entity == "plan_setting")).all()
    assert [e.action for e in trail] == ["insert", "delete"]
    assert trail[0].after == {"value": setting(county, "211122", FORM_HEADER)
                              | {"表号": "辽妇规1表"}}


@pytest.mark.parametrize(("key", "value", "reason"), [
    (YOY_THRESHOLD, 30, "不超过10"),
    (YOY_THRESHOLD, "0.3", "小数"),
    (FORM_HEADER, {"表号": "x", "印章": "y"}, "没有这些项目：印章"),
    ("no_such_key", 1, "没有名为“no_such_key”的设置"),
])
def test_a_wrong_value_is_refused_and_nothing_is_stored(county: Session, key: str, value: object,
                                                          reason: str) -> None:
    with pytest.raises(SettingError, match=reason):
        put_setting(county, "211122", key, value, single_user())
    assert county.scalars(select(AuditEntry).where(AuditEntry.entity == "plan_setting")).all() == []


def test_only_an_administrator_changes_a_plans_settings(county: Session) -> None:
    with pytest.raises(SettingError, match="只有管理员"):
        put_setting(county, "211122", YOY_THRESHOLD, 0.2, CLERK)


def test_the_command_line_shows_sets_and_refuses_in_plain_chinese(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "c.sqlite3")
    assert main(["--db", db, "init", "--unit", "211122"]) == 0
    assert main(["--db", db, "settings", "set", "yoy_threshold", "0.25"]) == 0
    assert main(["--db", db, "settings", "set", "yoy_threshold", "abc"]) == 1
    assert "不是有效的 JSON" in capsys.readouterr().err
    assert main(["--db", db, "settings", "show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["plan"] == "211122"
    assert shown["settings"]["yoy_threshold"] == {"value": 0.25, "customised": True}
    assert shown["settings"]["form_header"]["customised"] is False

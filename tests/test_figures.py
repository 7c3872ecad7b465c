"""Storing figures and goal progress (db/figures.py) on real SQLite files."""

from __future__ import annotations

import pytest
from demo_county import CHENJIA, DESHENG, PANSHAN, TAIPING, audit_count, figures_snapshot
from sqlalchemy import select
from sqlalchemy.orm import Session

import db.figures
from db.figures import (
    PROGRESS_LABELS,
    delete_value,
    find_value,
    history,
    progress_for,
    save_value,
    set_comment,
    set_progress,
    set_year_status,
    values_for,
    year_status,
)
from db.models import AuditEntry, Goal


def codes(findings: list) -> list[str]:
    return [f.code for f in findings]


def value_entries(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.entity == "data_value")
                                .order_by(AuditEntry.id)))


# ------------------------------------------------------------------------ saving


def test_a_typed_figure_is_stored_with_who_entered_it(county: Session) -> None:
    result = save_value(county, TAIPING, "live_births", 2023, "１１８", user="王会计")
    assert result.ok and result.changed
    stored = find_value(county, TAIPING, "live_births", 2023)
    assert stored is not None
    assert (stored.value, stored.status, stored.stored_by, stored.entered_directly) == (
        118, "draft", "王会计", False)


def test_saving_the_same_value_twice_writes_one_audit_entry(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118, user="王会计")
    again = save_value(county, TAIPING, "live_births", 2023, "118", user="王会计")
    assert again.ok and not again.changed
    [entry] = value_entries(county)
    assert (entry.action, entry.key, entry.before) == (
        "insert", f"{TAIPING}/live_births/2023/total", None)
    assert entry.after == {"value": 118, "comment": "", "status": "draft"}


def test_a_correction_is_audited_with_before_and_after(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118, user="王会计")
    save_value(county, TAIPING, "live_births", 2023, 121, comment="补录迁入产妇", user="李科长")
    entry = value_entries(county)[-1]
    assert (entry.action, entry.user) == ("update", "李科长")
    assert entry.before == {"value": 118, "comment": "", "status": "draft"}
    assert entry.after == {"value": 121, "comment": "补录迁入产妇", "status": "draft"}


def test_saving_a_value_without_a_comment_keeps_the_comment(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118, comment="含外地户籍")
    save_value(county, TAIPING, "live_births", 2023, 119)
    stored = find_value(county, TAIPING, "live_births", 2023)
    assert stored is not None and stored.comment == "含外地户籍"


@pytest.mark.parametrize(
    ("code", "year", "value", "expected"),
    [
        ("maternal_system_management_rate", 2023, "130", "percent_out_of_range"),
        ("live_births", 2023, "118.5", "not_whole"),
        ("live_births", 2023, "-3", "negative"),
        ("live_births", 2023, "abc", "not_a_number"),
        ("live_births", 2019, "118", "year_out_of_range"),
        ("live_births", 2031, "118", "year_out_of_range"),
        ("no_such_indicator", 2023, "118", "unknown_indicator"),
    ],
)
def test_a_figure_with_an_error_is_refused_and_nothing_is_written(
    county: Session, code: str, year: int, value: str, expected: str
) -> None:
    entries = audit_count(county)
    result = save_value(county, TAIPING, code, year, value)
    assert not result.ok and expected in codes(result.findings)
    assert result.data_value is None and not result.changed
    assert figures_snapshot(county) == [] and audit_count(county) == entries


def test_the_year_message_says_which_years_are_allowed(county: Session) -> None:
    [finding] = save_value(county, TAIPING, "live_births", 2019, 1).findings
    assert finding.message == "年份必须在2020—2030年之间。"


def test_a_unit_outside_the_database_gets_no_figures(county: Session) -> None:
    result = save_value(county, "211122999000", "live_births", 2023, 5)
    assert codes(result.findings) == ["unknown_unit"]


def test_a_rate_entered_directly_is_flagged_and_marked(county: Session) -> None:
    result = save_value(county, TAIPING, "maternal_system_management_rate", 2023, "98.2%")
    assert result.ok
    assert result.data_value is not None and result.data_value.entered_directly
    assert "rate_entered_directly" in codes(result.findings)
    counted = save_value(county, TAIPING, "mothers_system_managed", 2023, 116)
    assert counted.data_value is not None and not counted.data_value.entered_directly
    assert counted.findings == []


def test_a_survey_figure_is_not_flagged_as_a_rate(county: Session) -> None:
    result = save_value(county, PANSHAN, "health_literacy", 2023, 28.5)
    assert result.findings == [] and result.data_value is not None
    assert not result.data_value.entered_directly


def test_saving_warns_of_a_jump_but_stores_the_figure(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2022, 100)
    result = save_value(county, TAIPING, "live_births", 2023, 180)
    assert result.ok and result.changed
    # +80%: beyond the statistical band and beyond the plan's 30% rule (issue 13).
    assert codes(result.findings) == ["yoy_change", "unusual_jump"]


def test_emptying_a_cell_removes_the_figure_and_logs_it(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118)
    result = save_value(county, TAIPING, "live_births", 2023, "")
    assert result.changed and find_value(county, TAIPING, "live_births", 2023) is None
    assert value_entries(county)[-1].action == "delete"
    assert value_entries(county)[-1].before == {"value": 118, "comment": "", "status": "draft"}
    assert not delete_value(county, TAIPING, "live_births", 2023).changed


def test_figures_by_sex_are_kept_apart(county: Session) -> None:
    save_value(county, PANSHAN, "preschool_gross_enrolment", 2023, 92.4)
    save_value(county, PANSHAN, "preschool_gross_enrolment", 2023, 93.1, "female")
    assert history(county, PANSHAN, "preschool_gross_enrolment") == {2023: 92.4}
    assert history(county, PANSHAN, "preschool_gross_enrolment", "female") == {2023: 93.1}


# ------------------------------------------------------------------------ reading


def test_values_for_reads_many_units_and_years_at_once(
    county: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db.figures, "_IN_CHUNK", 2)  # the chunking must not lose any row
    for unit in (TAIPING, DESHENG, CHENJIA):
        for year in (2021, 2022, 2023):
            save_value(county, unit, "live_births", year, 100)
    rows = values_for(county, [CHENJIA, TAIPING, DESHENG], years=[2022, 2023])
    assert [(r.unit_code, r.year) for r in rows] == [
        (TAIPING, 2022), (TAIPING, 2023), (DESHENG, 2022), (DESHENG, 2023),
        (CHENJIA, 2022), (CHENJIA, 2023)]
    assert len(values_for(county, [TAIPING])) == 3


def test_history_is_the_series_by_year(county: Session) -> None:
    for year, births in [(2022, 101), (2020, 100), (2021, 98)]:
        save_value(county, TAIPING, "live_births", year, births)
    assert list(history(county, TAIPING, "live_births").items()) == [
        (2020, 100), (2021, 98), (2022, 101)]


# ------------------------------------------------------------------------ submission


def test_submission_is_refused_while_an_error_remains(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 2)
    save_value(county, TAIPING, "maternal_deaths", 2023, 3)
    findings = set_year_status(county, TAIPING, 2023, "submitted", "王会计")
    assert "numerator_above_denominator" in codes(findings)
    assert year_status(county, TAIPING, 2023) == "draft"
    save_value(county, TAIPING, "maternal_deaths", 2023, 0)
    assert set_year_status(county, TAIPING, 2023, "submitted", "王会计") == []
    assert year_status(county, TAIPING, 2023) == "submitted"


def test_submission_is_refused_while_a_warning_has_no_comment(county: Session) -> None:
    for year, births in [(2020, 100), (2021, 102), (2022, 101)]:
        save_value(county, TAIPING, "live_births", year, births)
    save_value(county, TAIPING, "live_births", 2023, 160)
    findings = set_year_status(county, TAIPING, 2023, "submitted", "王会计")
    # 101 → 160 breaks the band and the 30% rule; the figure is asked for one comment.
    assert codes(findings) == ["yoy_change", "unusual_jump", "comment_required"]
    assert findings[2].field == "live_births" and "备注" in findings[2].message
    assert year_status(county, TAIPING, 2023) == "draft"

    set_comment(county, TAIPING, "live_births", 2023, "新建安置小区迁入人口增加", user="王会计")
    findings = set_year_status(county, TAIPING, 2023, "submitted", "王会计")
    assert codes(findings) == ["yoy_change", "unusual_jump"]  # explained, so it goes through
    assert year_status(county, TAIPING, 2023) == "submitted"


def test_a_comment_on_the_female_figure_does_not_explain_the_total(county: Session) -> None:
    for year, rate in [(2021, 90), (2022, 91)]:
        save_value(county, PANSHAN, "preschool_gross_enrolment", year, rate)
        save_value(county, PANSHAN, "preschool_gross_enrolment", year, rate, "female")
    save_value(county, PANSHAN, "preschool_gross_enrolment", 2023, 30)
    save_value(county, PANSHAN, "preschool_gross_enrolment", 2023, 30, "female",
               comment="统计口径调整")
    findings = set_year_status(county, PANSHAN, 2023, "submitted")
    [required] = [f for f in findings if f.code == "comment_required"]
    assert required.disaggregation == "total"


def test_approval_locks_the_figures(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118)
    assert codes(set_year_status(county, TAIPING, 2023, "approved", "李科长")) == [
        "not_submitted"]
    set_year_status(county, TAIPING, 2023, "submitted", "王会计")
    assert set_year_status(county, TAIPING, 2023, "approved", "李科长") == []
    assert year_status(county, TAIPING, 2023) == "approved"

    changed = save_value(county, TAIPING, "live_births", 2023, 120)
    assert codes(changed.findings) == ["locked"] and "锁定" in changed.findings[0].message
    assert codes(delete_value(county, TAIPING, "live_births", 2023).findings) == ["locked"]
    added = save_value(county, TAIPING, "maternal_deaths", 2023, 0)
    assert codes(added.findings) == ["locked"]
    assert figures_snapshot(county) == [
        (TAIPING, "live_births", 2023, "total", 118, "", "approved", False)]
    # Saving what is already there is not a change, so a re-imported file does no harm.
    assert save_value(county, TAIPING, "live_births", 2023, 118).ok


def test_approved_figures_cannot_go_back_to_draft_here(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118)
    set_year_status(county, TAIPING, 2023, "submitted")
    set_year_status(county, TAIPING, 2023, "approved")
    assert codes(set_year_status(county, TAIPING, 2023, "draft")) == ["approved_locked"]
    assert year_status(county, TAIPING, 2023) == "approved"


def test_a_submitted_year_can_be_returned_for_correction(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118)
    set_year_status(county, TAIPING, 2023, "submitted")
    assert set_year_status(county, TAIPING, 2023, "draft", "李科长") == []
    assert year_status(county, TAIPING, 2023) == "draft"


def test_changing_a_submitted_figure_needs_a_new_submission(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118)
    save_value(county, TAIPING, "mothers_system_managed", 2023, 110)
    set_year_status(county, TAIPING, 2023, "submitted")
    save_value(county, TAIPING, "live_births", 2023, 119)
    assert year_status(county, TAIPING, 2023) == "draft"


def test_status_changes_are_audited_per_unit_and_year(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118)
    save_value(county, TAIPING, "mothers_system_managed", 2023, 110)
    set_year_status(county, TAIPING, 2023, "submitted", "王会计")
    entry = county.scalars(select(AuditEntry).where(AuditEntry.entity == "unit_year")).one()
    assert (entry.key, entry.user, entry.before, entry.after) == (
        f"{TAIPING}/2023", "王会计", {"status": "draft"}, {"status": "submitted", "figures": 2})


def test_an_empty_year_cannot_be_submitted(county: Session) -> None:
    assert codes(set_year_status(county, TAIPING, 2023, "submitted")) == ["no_figures"]
    save_value(county, TAIPING, "live_births", 2023, 118)
    assert codes(set_year_status(county, TAIPING, 2023, "final")) == ["unknown_status"]


# ------------------------------------------------------------------------ goal progress


def qualitative_goal(session: Session, plan: str) -> str:
    goal = session.scalars(select(Goal).where(Goal.plan_code == plan, Goal.qualitative)
                           .order_by(Goal.id)).first()
    assert goal is not None
    return goal.id


def test_progress_of_a_qualitative_goal_is_recorded_with_evidence(county: Session) -> None:
    goal = qualitative_goal(county, PANSHAN)
    result = set_progress(county, TAIPING, goal, 2023, "in_progress", "已举办培训3期", "王会计")
    assert result.ok and result.changed
    progress = progress_for(county, TAIPING, 2023)[goal]
    assert (PROGRESS_LABELS[progress.status], progress.evidence) == ("推进中", "已举办培训3期")
    assert progress_for(county, TAIPING, 2022) == {}


def test_recording_the_same_progress_again_writes_nothing(county: Session) -> None:
    goal = qualitative_goal(county, PANSHAN)
    set_progress(county, TAIPING, goal, 2023, "done", "已完成")
    entries = audit_count(county, "goal_progress")
    assert not set_progress(county, TAIPING, goal, 2023, "done", "已完成 ").changed
    assert audit_count(county, "goal_progress") == entries == 1
    set_progress(county, TAIPING, goal, 2024, "done", "已完成")
    set_progress(county, TAIPING, goal, 2023, "in_progress", "返工")
    assert audit_count(county, "goal_progress") == 3


def test_progress_on_another_plans_goal_or_a_bad_status_is_refused(county: Session) -> None:
    other = qualitative_goal(county, "621027")
    assert codes(set_progress(county, TAIPING, other, 2023, "done").findings) == [
        "goal_not_in_plan"]
    goal = qualitative_goal(county, PANSHAN)
    assert codes(set_progress(county, TAIPING, goal, 2023, "完成").findings) == [
        "unknown_status"]
    assert codes(set_progress(county, TAIPING, "nope", 2023, "done").findings) == [
        "unknown_goal"]
    assert set(PROGRESS_LABELS.values()) == {"未开展", "推进中", "已完成"}

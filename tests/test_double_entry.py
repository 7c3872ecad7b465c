"""Double entry of a paper return (双录入核对): two blind passes, mismatches cell by cell,
resolution on the record, and only verified cells becoming figures."""

from __future__ import annotations

import pytest
from demo_county import TAIPING
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts import create_user, set_login_required
from db.double_entry import (
    DoubleEntryError,
    agree,
    commit_agreed,
    key_pass,
    mismatches,
    open_returns,
    pass_values,
    read_pass_csv,
    resolve,
    return_summary,
)
from db.evaluation import Evaluator
from db.figures import find_value
from db.models import AuditEntry, PaperReturn

PAPER = {("live_births", "total"): "118", ("maternal_deaths", "total"): "0",
         ("mothers_system_managed", "total"): "116"}


def _stored(session: Session, code: str) -> float | None:
    figure = find_value(session, TAIPING, code, 2023)
    return None if figure is None else figure.value


def test_two_passes_that_agree_become_figures_through_the_usual_save(county: Session) -> None:
    key_pass(county, TAIPING, 2023, 1, PAPER, user="王会计")
    key_pass(county, TAIPING, 2023, 2, {**PAPER, ("live_births", "total"): "118.0"},
             user="李科员")
    assert _stored(county, "live_births") is None  # keyed is not yet counted

    result = commit_agreed(county, TAIPING, 2023, user="王会计")

    assert result.saved == 3 and not result.refused
    assert _stored(county, "live_births") == 118
    assert _stored(county, "mothers_system_managed") == 116
    assert result.summary.state == "verified"
    assert county.scalar(select(PaperReturn.state)) == "verified"
    # save_value's own audit entry for each figure, by the committer
    inserts = county.scalars(select(AuditEntry).where(AuditEntry.entity == "data_value")).all()
    assert {e.key for e in inserts} >= {f"{TAIPING}/live_births/2023/total"}
    assert open_returns(county) == []


def test_a_mismatch_blocks_only_its_own_cell_until_resolved(county: Session) -> None:
    key_pass(county, TAIPING, 2023, 1, PAPER, user="王会计")
    key_pass(county, TAIPING, 2023, 2, {**PAPER, ("live_births", "total"): "181"},
             user="李科员")

    [mismatch] = mismatches(county, TAIPING, 2023)
    assert (mismatch.code, mismatch.pass1, mismatch.pass2) == ("live_births", "118", "181")
    assert mismatch.name == "活产数"

    result = commit_agreed(county, TAIPING, 2023, user="王会计")
    assert result.saved == 2
    assert _stored(county, "live_births") is None  # blocked
    assert _stored(county, "mothers_system_managed") == 116  # not held back by it
    assert result.summary.state == "open" and result.summary.mismatched == 1

    resolve(county, TAIPING, 2023, "live_births", "total", user="张审核", choose=1)
    assert mismatches(county, TAIPING, 2023) == []
    after = commit_agreed(county, TAIPING, 2023, user="张审核")
    assert _stored(county, "live_births") == 118
    assert after.summary.state == "verified"


def test_the_resolution_is_audited_with_both_passes_and_the_choice(county: Session) -> None:
    key_pass(county, TAIPING, 2023, 1, PAPER, user="王会计")
    key_pass(county, TAIPING, 2023, 2, {**PAPER, ("live_births", "total"): "181"},
             user="李科员")
    resolve(county, TAIPING, 2023, "live_births", "total", user="张审核", value="１２０")

    entry = county.scalars(select(AuditEntry).where(AuditEntry.action == "resolve")).one()
    assert entry.user == "张审核"
    assert entry.key == f"{TAIPING}/live_births/2023/total"
    assert entry.before is not None and entry.after is not None
    assert (entry.before["第一遍"], entry.before["第二遍"]) == ("118", "181")
    assert entry.after == {"value": "120", "chosen": "paper"}
    commit_agreed(county, TAIPING, 2023, user="张审核")
    assert _stored(county, "live_births") == 120


def test_the_second_pass_sees_only_its_own_values(county: Session) -> None:
    key_pass(county, TAIPING, 2023, 1, PAPER, user="王会计")
    assert pass_values(county, TAIPING, 2023, 2) == {}  # pass 1's figures are not offered
    assert mismatches(county, TAIPING, 2023) == []  # nor listed before pass 2 is in
    summary = return_summary(county, TAIPING, 2023)
    assert summary is not None and summary.waiting == 3
    key_pass(county, TAIPING, 2023, 2, {("live_births", "total"): "119"}, user="李科员")
    assert pass_values(county, TAIPING, 2023, 2) == {("live_births", "total"): "119"}
    assert pass_values(county, TAIPING, 2023, 1) == PAPER


def test_a_cell_one_pass_left_blank_is_a_mismatch(county: Session) -> None:
    key_pass(county, TAIPING, 2023, 1, PAPER, user="王会计")
    key_pass(county, TAIPING, 2023, 2, {("live_births", "total"): "118"}, user="李科员")
    listed = {(m.code, m.pass1, m.pass2) for m in mismatches(county, TAIPING, 2023)}
    assert listed == {("maternal_deaths", "0", None), ("mothers_system_managed", "116", None)}


def test_resolving_to_a_blank_saves_nothing_and_keeps_a_stored_figure(county: Session) -> None:
    from db.figures import save_value

    save_value(county, TAIPING, "maternal_deaths", 2023, 1)
    key_pass(county, TAIPING, 2023, 1, {("maternal_deaths", "total"): "0"}, user="王会计")
    key_pass(county, TAIPING, 2023, 2, {}, user="李科员")
    resolve(county, TAIPING, 2023, "maternal_deaths", "total", user="张审核", choose=2)
    assert commit_agreed(county, TAIPING, 2023, user="张审核").summary.state == "verified"
    assert _stored(county, "maternal_deaths") == 1


def test_keyed_figures_do_not_count_in_the_evaluation_until_committed(county: Session) -> None:
    key_pass(county, TAIPING, 2023, 1, PAPER, user="王会计")
    key_pass(county, TAIPING, 2023, 2, PAPER, user="李科员")
    assert Evaluator(county, TAIPING).index.resolve(TAIPING, "live_births", 2023).value is None
    commit_agreed(county, TAIPING, 2023, user="王会计")
    assert Evaluator(county, TAIPING).index.resolve(TAIPING, "live_births", 2023).value == 118


def test_with_accounts_on_one_person_cannot_key_both_passes(county: Session) -> None:
    create_user(county, "admin", "admin-password-1", "admin")
    from db.accounts import CurrentUser

    set_login_required(county, True, CurrentUser("admin", "admin", "admin"))
    key_pass(county, TAIPING, 2023, 1, PAPER, user="wang")
    with pytest.raises(DoubleEntryError, match="不同的人"):
        key_pass(county, TAIPING, 2023, 2, PAPER, user="wang")
    key_pass(county, TAIPING, 2023, 2, PAPER, user="li")
    summary = return_summary(county, TAIPING, 2023)
    assert summary is not None and not summary.same_keyer


def test_on_a_single_user_pc_one_person_may_key_both_and_it_is_recorded(county: Session) -> None:
    key_pass(county, TAIPING, 2023, 1, PAPER, user="本机用户")
    key_pass(county, TAIPING, 2023, 2, PAPER, user="本机用户")
    summary = return_summary(county, TAIPING, 2023)
    assert summary is not None and summary.same_keyer
    commit_agreed(county, TAIPING, 2023, user="本机用户")
    entry = county.scalars(select(AuditEntry).where(AuditEntry.action == "commit")).one()
    assert entry.after is not None and entry.after["same_keyer"] is True


def test_a_figure_refused_by_the_checks_stays_open_with_its_reason(county: Session) -> None:
    paper = {("live_births", "total"): "-5", ("maternal_deaths", "total"): "0"}
    key_pass(county, TAIPING, 2023, 1, paper, user="王会计")
    key_pass(county, TAIPING, 2023, 2, paper, user="李科员")
    result = commit_agreed(county, TAIPING, 2023, user="王会计")
    assert list(result.refused) == [("live_births", "total")]
    assert _stored(county, "maternal_deaths") == 0
    assert result.summary.state == "open" and result.summary.agreed == 1


def test_committing_before_both_passes_are_in_is_refused(county: Session) -> None:
    key_pass(county, TAIPING, 2023, 1, PAPER, user="王会计")
    with pytest.raises(DoubleEntryError, match="第二遍尚未录入"):
        commit_agreed(county, TAIPING, 2023, user="王会计")


def test_a_pass_from_csv_uses_the_values_import_format(county: Session) -> None:
    data = ("单位,指标,年份,性别,数值\n"
            f"{TAIPING},live_births,2023,,118\n"
            f"{TAIPING},活产数,2022,,100\n").encode()
    values, report = read_pass_csv(county, data, TAIPING, 2023)
    assert report.has_errors
    assert "2022年" in report.findings[3][0].message
    good = f"unit,code,year,sex,value\n{TAIPING},live_births,2023年,,\"1,118\"\n".encode("gbk")
    values, report = read_pass_csv(county, good, TAIPING, 2023)
    assert not report.has_errors and values == {("live_births", "total"): "1118"}


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_a_number_agrees_with_itself_however_it_is_written(number: object) -> None:
    text = str(number)
    assert agree(text, f"{float(text):.4f}")
    assert agree("不适用", "不适用") and not agree("不适用", "0")
    assert not agree(text, None) and agree(None, None)


def test_with_accounts_on_a_pass_keyed_by_another_stays_closed_to_the_other_keyer(
        county: Session) -> None:
    from db.accounts import CurrentUser
    from db.double_entry import values_for_keyer

    create_user(county, "admin", "admin-password-1", "admin")
    set_login_required(county, True, CurrentUser("admin", "admin", "admin"))
    key_pass(county, TAIPING, 2023, 1, PAPER, user="wang")
    assert values_for_keyer(county, TAIPING, 2023, 1, "wang") == PAPER
    assert values_for_keyer(county, TAIPING, 2023, 2, "li") == {}
    with pytest.raises(DoubleEntryError, match="只有录入人本人"):
        values_for_keyer(county, TAIPING, 2023, 1, "li")
    with pytest.raises(DoubleEntryError, match="不同的人"):
        values_for_keyer(county, TAIPING, 2023, 2, "wang")


_CODES = ["live_births", "maternal_deaths", "mothers_system_managed", "women_20_64"]
_passes = st.dictionaries(st.sampled_from(_CODES), st.integers(0, 3), max_size=4)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=_passes, second=_passes)
def test_exactly_the_cells_both_passes_agree_on_become_figures(
        county: Session, first: dict[str, int], second: dict[str, int]) -> None:
    try:  # each example in its own transaction, rolled back: nothing here commits
        key_pass(county, TAIPING, 2023, 1, {(c, "total"): str(v) for c, v in first.items()},
                 user="王会计")
        key_pass(county, TAIPING, 2023, 2, {(c, "total"): f"{v}.0" for c, v in second.items()},
                 user="李科员")
        commit_agreed(county, TAIPING, 2023, user="王会计")
        stored = {c: _stored(county, c) for c in _CODES}
        assert {c: v for c, v in stored.items() if v is not None} == {
            c: v for c, v in first.items() if second.get(c) == v}
        assert {m.code for m in mismatches(county, TAIPING, 2023)} == {
            c for c in set(first) | set(second) if first.get(c) != second.get(c)}
    finally:
        county.rollback()


def test_keying_a_pass_again_replaces_it_and_forgets_a_cell_now_blank(county: Session) -> None:
    key_pass(county, TAIPING, 2023, 1, PAPER, user="王会计")
    key_pass(county, TAIPING, 2023, 1, {("live_births", "total"): "119"}, user="王会计")
    assert pass_values(county, TAIPING, 2023, 1) == {("live_births", "total"): "119"}
    summary = return_summary(county, TAIPING, 2023)
    assert summary is not None and summary.waiting == 1

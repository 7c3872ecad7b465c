"""The 30% rule and 审核公式 when a township's figures reach the county in a sync file (issue 13):
listed in the preview, judged with the county's own settings; a broken error rule refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from sync_helpers import (
    PANSHAN,
    TAIPING,
    Installation,
    figures,
    office,
    office_fixture,
    postgres_database,
    register,
    state,
)

from db.accounts import single_user
from db.cross_checks import add_cross_check
from db.figures import save_value
from db.plan_settings import YOY_THRESHOLD, put_setting
from db.sync.export import export_sync_file
from db.sync.import_ import import_sync_file, preview_sync_file
from db.sync.preview_text import format_preview

township = office_fixture("taiping")
county = office_fixture("panshan")


def send_births(township: Installation, county: Installation, births_2024: int,
                comment: str = "") -> Path:
    save_value(township.session, TAIPING, "live_births", 2023, 100)
    save_value(township.session, TAIPING, "live_births", 2024, births_2024, comment=comment)
    township.session.commit()
    register(township, county)
    path = township.folder / "太平街道.tbsync"
    export_sync_file(township.session, TAIPING, range(2020, 2026), path)
    return path


def add_deaths_warning_rule(county: Installation) -> None:
    """The county's own 审核公式: more than 1 maternal death per 100 births asks for a reason."""
    add_cross_check(county.session, PANSHAN, {"left": "maternal_deaths", "op": "<=",
                                              "right": ["live_births"], "factor": 0.01,
                                              "severity": "warning"}, single_user())


def test_a_rise_beyond_30_percent_is_listed_in_the_preview_and_imported(
        township: Installation, county: Installation) -> None:
    path = send_births(township, county, 145)
    preview = preview_sync_file(county.session, path)
    assert not preview.refused and preview.warnings_total == 1
    message = preview.warnings[0].message
    assert message.startswith(f"太平街道（{TAIPING}）2024年：“活产数”：")
    assert "比上年增长45.0%，超过30%，请在备注中说明原因。" in message
    assert "需说明的变化 1 处" in format_preview(preview)
    result = import_sync_file(county.session, path, user="县统计员")
    assert result.applied and figures(county.session) == figures(township.session)


def test_the_senders_comment_is_shown_beside_the_warning(township: Installation,
                                                         county: Installation) -> None:
    path = send_births(township, county, 145, comment="新建小区入住")
    preview = preview_sync_file(county.session, path)
    assert preview.warnings[0].message.endswith("（备注：新建小区入住）")


def test_the_receiving_plans_threshold_decides(township: Installation,
                                               county: Installation) -> None:
    put_setting(county.session, PANSHAN, YOY_THRESHOLD, 0.5, single_user())
    county.session.commit()
    path = send_births(township, county, 145)
    preview = preview_sync_file(county.session, path)
    assert not preview.refused and preview.warnings_total == 0
    assert "需说明" not in format_preview(preview)


def test_a_figure_breaking_a_custom_error_rule_refuses_the_file(township: Installation,
                                                               county: Installation) -> None:
    add_cross_check(county.session, PANSHAN, {"left": "maternal_deaths", "op": "<=",
                                              "right": ["live_births"], "factor": 0.01,
                                              "message": "孕产妇死亡数异常，请核实。"},
                    single_user())
    county.session.commit()
    save_value(township.session, TAIPING, "maternal_deaths", 2024, 3)
    path = send_births(township, county, 120)
    before = state(county.session)
    result = import_sync_file(county.session, path, user="县统计员")
    assert result.refused and not result.applied
    assert any("孕产妇死亡数异常" in f.message and "太平街道" in f.message
               for found in result.report.findings.values() for f in found)
    assert state(county.session) == before
    assert "孕产妇死亡数异常" in format_preview(result)


def test_a_warning_rule_on_received_figures_is_listed_not_refused(township: Installation,
                                                                 county: Installation) -> None:
    add_deaths_warning_rule(county)
    county.session.commit()
    save_value(township.session, TAIPING, "maternal_deaths", 2024, 3)
    path = send_births(township, county, 120)
    result = import_sync_file(county.session, path, user="县统计员")
    assert result.applied
    assert [w.field for w in result.warnings] == ["maternal_deaths"]
    assert "审核公式：“孕产妇死亡数”为 3" in result.warnings[0].message


def test_a_county_on_postgresql_judges_with_its_own_settings(
        township: Installation, tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    with postgres_database() as url, office("panshan", tmp_path / "pg", tmp_path_factory,
                                            url=url) as county:
        put_setting(county.session, PANSHAN, YOY_THRESHOLD, 0.2, single_user())
        add_deaths_warning_rule(county)
        county.session.commit()
        save_value(township.session, TAIPING, "maternal_deaths", 2024, 3)
        path = send_births(township, county, 125)
        result = import_sync_file(county.session, path, user="县统计员")
        assert result.applied and result.warnings_total == 2
        assert any("比上年增长25.0%，超过20%" in w.message for w in result.warnings)
        assert any(w.code == "cross_check" for w in result.warnings)


def test_a_numerator_above_its_denominator_is_listed_in_the_preview_and_imported(
        township: Installation, county: Installation) -> None:
    # More managed mothers than births: 上报 will refuse the pair, so the county hears of it
    # when the file arrives, as the Excel and CSV imports say it.
    save_value(township.session, TAIPING, "live_births", 2024, 333)
    save_value(township.session, TAIPING, "mothers_system_managed", 2024, 457)
    township.session.commit()
    register(township, county)
    path = township.folder / "太平街道.tbsync"
    export_sync_file(township.session, TAIPING, range(2020, 2026), path)
    preview = preview_sync_file(county.session, path)
    assert not preview.refused
    reminders = [w for w in preview.warnings if w.code == "numerator_above_denominator"]
    assert len(reminders) == 1  # one pair, told once though both its figures are in the file
    assert reminders[0].message.startswith(f"太平街道（{TAIPING}）2024年：上报前须更正：")
    assert "457" in reminders[0].message and "333" in reminders[0].message
    assert import_sync_file(county.session, path, user="县统计员").applied

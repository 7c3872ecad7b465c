"""The CSV import checks a row on its own as it is read, then the batch against the database
(db/importing/bulk_save.py): a warning of the first kind is reported once, not twice."""

from __future__ import annotations

from pathlib import Path

from demo_county import PANSHAN, add_demo_county, open_session

from db.checks import MAY_EXCEED_100
from db.importing.csv_values import format_report, import_values_csv


def test_a_gross_ratio_above_100_is_imported_with_its_warning_said_once(tmp_path: Path) -> None:
    code = sorted(MAY_EXCEED_100)[0]
    for session in open_session(tmp_path):
        add_demo_county(session)
        data = ("unit,code,year,sex,value,comment\n"
                f"{PANSHAN},{code},2023,,98,\n{PANSHAN},{code},2024,,120,\n").encode()
        report = import_values_csv(session, data)
        assert report.applied and report.changed == 2
        warnings = [f for f in report.findings[3] if f.code == "percent_above_100"]
        assert len(warnings) == 1
        assert format_report(report).count("第3行") == 1
        assert 2 not in report.findings  # 98% draws nothing


def test_births_below_the_mothers_managed_are_imported_with_a_reminder_for_submission(
        tmp_path: Path) -> None:
    # A township's births corrected downward under a stored count of managed mothers: the pair
    # no longer holds, and 上报 will refuse it; the import says so now, on the births' row.
    from demo_county import TAIPING

    from db.figures import save_value

    for session in open_session(tmp_path):
        add_demo_county(session)
        save_value(session, TAIPING, "live_births", 2024, 460)
        save_value(session, TAIPING, "mothers_system_managed", 2024, 457)
        session.commit()
        data = ("unit,code,year,value\n"
                f"{TAIPING},live_births,2024,333\n"
                f"{TAIPING},maternal_deaths,2024,0\n").encode()
        report = import_values_csv(session, data)
        assert report.applied and report.changed == 2
        (reminder,) = report.findings[2]
        assert reminder.severity == "warning" and reminder.code == "numerator_above_denominator"
        assert reminder.message.startswith("上报前须更正") and "457" in reminder.message
        assert 3 not in report.findings  # 0 deaths in 333 births: nothing to say

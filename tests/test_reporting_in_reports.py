"""报送情况 in the annual report (reports/pdf/reporting.py), read back with pdftotext."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, update
from sqlalchemy.orm import Session
from test_reports_pdf import compact, section, text_of

from db.catalogue import ensure_catalogue
from db.demo import fill_demo, township_code
from db.models import DataValue, SyncLog
from db.storage import prepare_database, resolve_database_url
from reports.pdf.annual import build_annual_report

COUNTY = "211122"
YEAR = 2023


@pytest.fixture
def county(tmp_path: Path) -> Iterator[Session]:
    """盘山县 with three townships: the first's file arrived on 3 May 2024 (three days late),
    the third sent nothing; the county's own figures were in on 10 April."""
    engine = prepare_database(resolve_database_url(str(tmp_path / "c.sqlite3"))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, COUNTY, 3, range(2021, YEAR + 1), seed=5)
        first, _second, third = (township_code(COUNTY, i) for i in range(3))
        session.execute(update(DataValue).where(DataValue.year == YEAR)
                        .values(updated_at=datetime(2024, 4, 10, tzinfo=UTC)))
        session.execute(delete(DataValue).where(DataValue.year == YEAR,
                                                DataValue.unit_code == third))
        session.add(SyncLog(at=datetime(2024, 5, 3, 1, tzinfo=UTC), direction="import",
                            kind="figures", counterpart=first, file_name="太平街道2023.tbsync",
                            sha256="0" * 64, counts={}, outcome="applied"))
        session.commit()
        yield session
    engine.dispose()


def test_the_annual_report_carries_who_reported_on_time(county: Session, tmp_path: Path) -> None:
    out = tmp_path / "annual.pdf"
    build_annual_report(county, COUNTY, YEAR, out, printed=date(2024, 6, 1))
    text = compact(text_of(out))
    part = section(text, "五、数据完整性", "六、审核签字")
    reporting = part[part.index("报送情况"):]
    assert "2023年数据应于2024年报送" in reporting
    assert "太平街道2024-04-30" in reporting and "迟报3天" in reporting
    assert "太平街道2023.tbsync（2024-05-0309:00）" in reporting  # China time
    assert "未报送（0/" in reporting and "逾期未报" in reporting
    assert "卫健局2024-05-20已报齐" in reporting
    for label in ("报送单位", "报送期限", "完整度", "及时性", "最近收到的文件"):
        assert label in reporting


def test_a_townships_report_has_no_reporting_table(county: Session, tmp_path: Path) -> None:
    out = tmp_path / "township.pdf"
    build_annual_report(county, township_code(COUNTY, 0), YEAR, out, printed=date(2024, 6, 1))
    assert "报送期限" not in compact(text_of(out))

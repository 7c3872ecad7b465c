"""One definition of the targets a unit answers for: the app and the PDF count the same ones."""

from __future__ import annotations

from demo_county import DESHENG, PANSHAN
from sqlalchemy.orm import Session

from db.entry_rows import build_sheet
from db.evaluation import Evaluator
from db.overview import build_overview
from db.units import create_unit
from reports.pdf.gather import gather_unit
from reports.pdf.layout import Steps


def test_a_township_is_counted_alike_in_the_grid_the_county_overview_and_the_pdf(
    county: Session,
) -> None:
    sheet = build_sheet(county, DESHENG, 2024)
    in_grid = sum(len(row.targets) for row in sheet.rows)
    assert sum(sheet.counts().values()) == in_grid
    facts = gather_unit(county, DESHENG, 2024, Steps(0, None, None))
    assert len(facts.targets) == in_grid
    county_sheet = build_sheet(county, PANSHAN, 2024)
    line = next(c for c in build_overview(county, county_sheet).children if c.code == DESHENG)
    assert sum(line.counts.values()) == in_grid
    # A township sees only the domains that hold one of its targets.
    assert set(sheet.domain_order) == {row.domain for row in sheet.rows}
    assert {goal.domain for goal in sheet.qualitative} <= set(sheet.domain_order)


def test_the_county_counts_every_target_of_its_plan(county: Session) -> None:
    sheet = build_sheet(county, PANSHAN, 2024)
    assert sum(sheet.counts().values()) == len(Evaluator(county, PANSHAN).targets_for(PANSHAN))
    assert len(gather_unit(county, PANSHAN, 2024, Steps(0, None, None)).targets) == sum(
        sheet.counts().values())


def test_a_new_township_is_counted_at_once(county: Session) -> None:
    create_unit(county, "211122199000", "新建乡", "township", PANSHAN)
    county.commit()
    sheet = build_sheet(county, "211122199000", 2024)
    assert sheet.rows and sum(sheet.counts().values()) == sum(len(r.targets) for r in sheet.rows)

"""The report kinds and the one place that builds a report of a kind: the command line
(``tianbao report --kind``) and the app's report dialog both come here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from db.plan_years import LAST_YEAR, MIDTERM_YEAR

if TYPE_CHECKING:  # reportlab loads only when a report is built
    from reports.pdf.layout import BuiltReport

# Kind → its name as the dialog lists it, in the dialog's order.
REPORT_KINDS = {
    "annual": "年度监测报告",
    "midterm": f"中期评估报告（{MIDTERM_YEAR}年）",
    "final": f"终期评估报告（{LAST_YEAR}年）",
    "comparison": "下级单位对比报告",
    "form": "统计报表",
    "blank_form": "空白报表",
}
# The statistical form (reports/pdf/form.py), with figures or blank to fill by hand.
FORM_KINDS = ("form", "blank_form")
# The evaluations are of their own year; the other kinds are of the year asked for.
FIXED_YEARS = {"midterm": MIDTERM_YEAR, "final": LAST_YEAR}


def build_report(session: Session, kind: str, unit: str, year: int | None, out: Path | str,
                 progress: Callable[[int, int, str], None] | None = None,
                 cancel: Callable[[], bool] | None = None,
                 with_last_year: bool = False) -> BuiltReport:
    """Write the report of ``kind`` for ``unit`` to ``out``. ``year`` may be None only for the
    evaluations (their own year). ``with_last_year``: a blank form shows last year's figures.
    ReportError with the reason in Chinese if refused."""
    from reports.pdf.layout import ReportError

    if kind in FORM_KINDS:
        if year is None:
            raise ReportError(f"{REPORT_KINDS[kind]}需要指定年份")
        from reports.pdf.form import build_form

        return build_form(session, unit, year, out, blank=kind == "blank_form",
                          with_last_year=with_last_year, progress=progress, cancel=cancel)
    if kind in ("annual", "comparison"):
        if year is None:
            raise ReportError(f"{REPORT_KINDS[kind]}需要指定年份")
        if kind == "annual":
            from reports.pdf.annual import build_annual_report

            return build_annual_report(session, unit, year, out, progress, cancel)
        from reports.pdf.comparison import build_comparison_report

        return build_comparison_report(session, unit, year, out, progress, cancel)
    if kind not in FIXED_YEARS:
        raise ReportError(f"没有这种报告：{kind}")
    from reports.pdf.evaluation_report import build_evaluation_report

    return build_evaluation_report(session, unit, out, kind, year, progress, cancel)

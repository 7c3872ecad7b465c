"""指标解释 as the screens and printed pages show it: labelled lines in a fixed order.

The content lives in resources/catalogue/explanations.yaml and, once loaded, in
``indicator.explanation``; the detail pane, the Excel template's 填表说明 sheet and the annual
report's annex 附件：指标解释 all print it through :func:`explanation_lines`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Indicator

# Field → the label the statistical systems print, in their order.
LABELS: tuple[tuple[str, str], ...] = (
    ("meaning", "含义"),
    ("formula", "计算方法"),
    ("unit", "计量单位"),
    ("source", "统计来源"),
    ("department", "报送部门"),
    ("period", "统计时段"),
)


@dataclass(frozen=True)
class ExplainedIndicator:
    code: str
    name: str
    lines: list[tuple[str, str]]  # (label, text)


def explanation_lines(explanation: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """(label, text) for every field the explanation has, in the printed order."""
    if not explanation:
        return []
    return [(label, explanation[key]) for key, label in LABELS if explanation.get(key)]


def explained_indicators(session: Session, codes: Iterable[str]) -> list[ExplainedIndicator]:
    """The explanations of ``codes`` in the order given (codes without an indicator are skipped)."""
    wanted = list(dict.fromkeys(codes))
    rows = {i.code: i for i in session.scalars(select(Indicator).where(Indicator.code.in_(wanted)))}
    return [ExplainedIndicator(code, rows[code].name, explanation_lines(rows[code].explanation))
            for code in wanted if code in rows]

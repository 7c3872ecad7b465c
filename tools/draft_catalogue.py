"""Draft a plan file for resources/catalogue/ from a published text, for a person to review.

    python tools/draft_catalogue.py ../shared/seeds/000_….txt 211122 > draft.yaml

A thin caller of the core drafting rules (db/plan_draft/, the same ones ``tianbao plan
draft`` uses), writing the reviewed-file shape (plan_<code>.yaml): numbers and clauses the
rules could not place are listed under ``non_targets`` with ``why: "?"`` for the reviewer.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.catalogue import read_catalogue  # noqa: E402
from db.plan_draft.load import _plan_file_goals  # noqa: E402
from db.plan_draft.plan import PlanMeta, draft_plan  # noqa: E402
from db.plan_draft.sources import read_plan_source  # noqa: E402


def draft_plan_file(path: Path, code: str) -> dict[str, Any]:
    catalogue = read_catalogue()
    shipped = next((p.plan for p in catalogue.plans if p.plan.code == code), None)
    meta = PlanMeta(code, shipped.name if shipped else code,
                    shipped.level if shipped else "county",
                    shipped.parent.code if shipped else "", shipped.parent.name if shipped else "",
                    shipped.province if shipped else "", shipped.title if shipped else "",
                    path.name)
    indicators = [i.model_dump() for i in catalogue.indicators.indicators]
    draft = draft_plan(read_plan_source(path), meta, indicators)
    plan = draft["plans"][0]
    return {"plan": {k: plan[k] for k in ("code", "name", "title", "level", "province", "parent",
                                          "source", "domain_order")},
            "goals": [_trim(g) for g in _plan_file_goals(draft)]}


def _trim(goal: dict[str, Any]) -> dict[str, Any]:
    """The reviewed files leave out empty lists and the default chapter."""
    return {k: v for k, v in goal.items()
            if v not in ([], None) and not (k == "chapter" and v == "main_goals")}


def main() -> None:
    data = draft_plan_file(Path(sys.argv[1]), sys.argv[2])
    yaml.safe_dump(data, sys.stdout, allow_unicode=True, sort_keys=False, width=1000)


if __name__ == "__main__":
    main()

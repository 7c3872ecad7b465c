"""A county's own plan: drafting it from its text, and loading the reviewed draft.

    python benchmarks/bench_plan_draft.py [--repeat 7]

Drafts 开平市's plan (92 items: 84 numbered 主要目标 and 8 重点工程, the largest of the five,
about the ~80 goals of a county plan) from its text with a county's name, as
``tianbao plan draft`` does after reading the file; then loads the reviewed draft into a
database holding the shipped catalogue, as ``tianbao plan import`` does. Medians; never
asserts: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from db.catalogue import ensure_catalogue, read_catalogue  # noqa: E402
from db.plan_draft.load import import_plan  # noqa: E402
from db.plan_draft.plan import PlanMeta, draft_plan  # noqa: E402
from db.storage import prepare_database, resolve_database_url  # noqa: E402

SEED = ROOT.parent / "shared" / "seeds" / "004_fc39d3362bdff301.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    lines = SEED.read_text("utf-8").replace("开平", "青禾").splitlines()
    indicators = [i.model_dump() for i in read_catalogue().indicators.indicators]
    meta = PlanMeta("440799", "青禾市", "county_city", "440700", "江门市", "广东省")
    drafting, loading = [], []
    draft: dict = {}
    for _ in range(args.repeat):
        start = time.perf_counter()
        draft = draft_plan(lines, meta, indicators)
        drafting.append(time.perf_counter() - start)
    for item in draft["unresolved"]:  # as a reviewer would, so that the draft loads
        item["why"] = "经审核不作为监测目标"
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeat):
            prepared = prepare_database(resolve_database_url(str(Path(tmp) / f"{run}.sqlite3")))
            with Session(prepared.engine) as session:
                ensure_catalogue(session)
                start = time.perf_counter()
                import_plan(session, draft)
                loading.append(time.perf_counter() - start)
            prepared.engine.dispose()
    print(f"plan items: {len(draft['goals'])}, targets drafted: {len(draft['targets'])}, "
          f"unresolved: {len(draft['unresolved'])} (median of {args.repeat} runs)")
    print(f"draft a plan from its text:    {statistics.median(drafting) * 1000:8.1f} ms"
          "   goal: < 2000 ms")
    print(f"load the reviewed draft:       {statistics.median(loading) * 1000:8.1f} ms"
          "   goal: < 1000 ms")


if __name__ == "__main__":
    main()

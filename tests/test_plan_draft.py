"""Any county's own plan: drafted from its published text, reviewed, imported.

The five seed texts are drafted from scratch and compared with the reviewed catalogue; a
variant with renumbered goals, changed numbers and another county's name, as .txt (GBK),
.docx and PDF, drafts correctly; the command line drafts and imports; a draft with numbers
left unresolved is refused.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.catalogue import Catalogue, ensure_catalogue, read_catalogue
from db.models import Goal, Plan, Target
from db.plan_draft.draft import draft_goal
from db.plan_draft.load import DraftError, import_plan, problems
from db.plan_draft.plan import PlanMeta, draft_plan
from db.plan_draft.sources import PlanSourceError, read_plan_source
from db.plan_text import GoalText
from db.storage import prepare_database, resolve_database_url
from tests.outside_inputs import seed_text

PANSHAN_TEXT = "000_8b6f2c233cd16ecf.txt"
KEYS = ("indicator", "kind", "comparator", "value", "year", "baseline_year", "relative_to",
        "measure", "per_unit_level", "unit")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return read_catalogue()


@pytest.fixture(scope="module")
def indicators(catalogue: Catalogue) -> list[dict[str, Any]]:
    return [i.model_dump() for i in catalogue.indicators.indicators]


def _key(target: dict[str, Any]) -> tuple[Any, ...]:
    out = []
    for name in KEYS:
        value = target.get(name)
        if name == "measure" and value == "level":
            value = None
        if name == "unit" and target.get("kind") in ("trend", "relative"):
            value = None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out.append(value)
    return tuple(out)


@pytest.mark.parametrize("code", ["211122", "210203", "621027", "371500", "440783"])
def test_each_seed_drafted_from_scratch_reproduces_the_catalogue(
    catalogue: Catalogue, indicators: list[dict[str, Any]], code: str
) -> None:
    plan = next(p for p in catalogue.plans if p.plan.code == code)
    lines = seed_text(plan.plan.source).read_text("utf-8").splitlines()
    draft = draft_plan(lines, PlanMeta(code, plan.plan.name, source=plan.plan.source), indicators)

    drafted_goals = [(g["id"], g["text"], tuple(g["lead"]), tuple(g["responsible"]))
                     for g in draft["goals"]]
    assert drafted_goals == [(g.id, g.text, tuple(g.lead), tuple(g.responsible))
                             for g in plan.goals]
    assert draft["plans"][0]["domain_order"] == list(plan.plan.domain_order)

    shipped: dict[str, list[tuple[Any, ...]]] = {}
    for goal in plan.goals:
        shipped[goal.id] = [_key(t.model_dump()) for t in goal.targets]
    reproduced = total = 0
    for goal in plan.goals:
        wanted = list(shipped[goal.id])
        total += len(wanted)
        for target in (t for t in draft["targets"] if t["id"].rsplit("-", 1)[0] == goal.id):
            assert _key(target) in wanted, f"wrong target drafted: {target}"  # never wrong
            wanted.remove(_key(target))
            reproduced += 1
        # What the draft missed, it lists: every missing target's numbers or clause.
        for missing in wanted:
            listed = [u["text"] for u in draft["unresolved"] if u["goal"] == goal.id]
            assert listed, f"{goal.id}: {missing} neither drafted nor listed"
    assert reproduced >= 0.95 * total


def _variant(text: str) -> str:
    """盘山县's plan as another county might publish it: another name, goals numbered
    "（1）" and counted down from the end, targets tightened, departments on their own line."""
    text = text.replace("盘山", "青禾").replace("盘锦", "远山")
    text = text.replace("孕产妇系统管理率保持在90%以上", "孕产妇系统管理率保持在93%以上")
    text = text.replace("妇女常见病筛查率到2025年达到82%以上",
                        "妇女常见病筛查率到2026年达到84%以上")
    lines, out, in_goals = text.splitlines(), [], False
    block: list[str] = []

    def flush() -> None:
        for i, line in enumerate(reversed(block), start=1):
            body = re.sub(r"^\d+[.．]\s*", "", line)
            out.append(f"（{i}）{body}")
            out.append("牵头单位：县卫生健康局")
        block.clear()

    for line in lines:
        stripped = line.strip()
        if re.match(r"^(?:1\.)?主要目标", stripped):
            in_goals = True
            out.append(line)
            continue
        if in_goals and re.match(r"^\d+[.．]", stripped):
            block.append(stripped)
            continue
        if in_goals and block:
            flush()
        in_goals = in_goals and not stripped.startswith(("2.", "策略措施"))
        out.append(line)
    flush()
    return "\n".join(out)


def test_a_renumbered_renamed_variant_drafts_correctly(
    indicators: list[dict[str, Any]], tmp_path: Path
) -> None:
    text = _variant(seed_text(PANSHAN_TEXT).read_text("utf-8"))
    path = tmp_path / "青禾县妇女发展规划.txt"
    path.write_bytes(text.encode("gb18030"))  # saved by Notepad on a Chinese Windows
    draft = draft_plan(read_plan_source(path), PlanMeta("130181", "青禾县"), indicators)
    health = [g for g in draft["goals"] if g["domain"] == "health"]
    assert len(draft["goals"]) == 76 and len(health) == 12
    # Numbered from the end: the goal that was 1. is now （12）, with its department line.
    first = next(g for g in health if g["number"] == 12)
    assert first["text"].startswith("妇女全生命周期享有良好的卫生健康服务")
    assert first["lead"] == ["县卫生健康局"]
    targets = {(t["indicator"], t["year"]): t for t in draft["targets"]}
    assert targets[("maternal_system_management_rate", None)]["value"] == 93
    assert targets[("common_disease_screening_rate", 2026)]["value"] == 84
    assert all("盘山" not in g["text"] for g in draft["goals"])
    assert draft["plans"][0]["name"] == "青禾县" and not draft["unresolved"]


def test_docx_and_pdf_give_the_same_goals_as_the_text(
    indicators: list[dict[str, Any]], tmp_path: Path
) -> None:
    from docx import Document
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from reports.pdf.fonts import FONT, register_fonts

    lines = seed_text(PANSHAN_TEXT).read_text("utf-8").splitlines()
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(tmp_path / "plan.docx"))
    register_fonts()
    style = ParagraphStyle("p", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK")
    SimpleDocTemplate(str(tmp_path / "plan.pdf"), pagesize=A4).build(
        [Paragraph(line or "&nbsp;", style) for line in lines])
    meta = PlanMeta("130182", "某县")
    expected = [(g["id"], g["text"]) for g in draft_plan(lines, meta, indicators)["goals"]]
    for name in ("plan.docx", "plan.pdf"):
        drafted = draft_plan(read_plan_source(tmp_path / name), meta, indicators)
        assert [(g["id"], g["text"]) for g in drafted["goals"]] == expected, name


def test_unreadable_sources_are_refused_in_plain_chinese(tmp_path: Path) -> None:
    (tmp_path / "a.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(PlanSourceError, match="另存为 .docx"):
        read_plan_source(tmp_path / "a.doc")
    (tmp_path / "b.docx").write_bytes(b"not a zip")
    with pytest.raises(PlanSourceError, match="不是有效的 .docx"):
        read_plan_source(tmp_path / "b.docx")
    with pytest.raises(PlanSourceError, match="找不到文件"):
        read_plan_source(tmp_path / "none.txt")


def _session(tmp_path: Path) -> Session:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "county.sqlite3")))
    session = Session(prepared.engine)
    ensure_catalogue(session)
    return session


def test_a_draft_with_unresolved_numbers_is_refused_and_a_resolved_one_loads(
    indicators: list[dict[str, Any]], tmp_path: Path
) -> None:
    session = _session(tmp_path)
    lines = _variant(seed_text(PANSHAN_TEXT).read_text("utf-8")).splitlines()
    lines.insert(next(i for i, line in enumerate(lines) if line.startswith("（1）")) + 1,
                 "（13）全县建成妇女儿童活动中心5个。")
    draft = draft_plan(lines, PlanMeta("130181", "青禾县", parent_code="130100",
                                       parent_name="远山市"), indicators)
    assert [u["text"] for u in draft["unresolved"]] == ["5"]
    with pytest.raises(DraftError, match="“5”尚未处理"):
        import_plan(session, draft)
    assert session.get(Plan, "130181") is None  # nothing written
    draft["unresolved"][0]["why"] = "活动中心建设数量，由县妇联年度工作报告说明，不作监测指标"
    assert problems(session, draft) == []
    assert import_plan(session, draft, user="admin") == "130181"
    goals = session.scalars(select(Goal).where(Goal.plan_code == "130181")).all()
    assert len(goals) == 77
    reasons = next(g for g in goals if g.id == "130181-health-13").non_targets
    assert reasons == [{"text": "5", "why": draft["unresolved"][0]["why"]}]

    # A newer shipped catalogue keeps the county's own plan and its targets.
    from db.catalogue import load_catalogue
    load_catalogue(session, read_catalogue())
    kept = session.scalars(select(Target).join(Goal).where(Goal.plan_code == "130181")).all()
    assert len(kept) == len(draft["targets"])
    session.close()


def test_a_shipped_plan_cannot_be_overwritten(
    indicators: list[dict[str, Any]], tmp_path: Path
) -> None:
    session = _session(tmp_path)
    lines = seed_text(PANSHAN_TEXT).read_text("utf-8").splitlines()
    draft = draft_plan(lines, PlanMeta("211122", "盘山县"), indicators)
    assert any("随软件提供的规划" in p for p in problems(session, draft))
    session.close()


def test_the_command_line_drafts_and_imports(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    out = tmp_path / "draft.json"
    run = [sys.executable, "-m", "desktop", "--db", db]
    done = subprocess.run([*run, "plan", "draft", str(seed_text(PANSHAN_TEXT)), "--code", "130102",
                           "--name", "某某县", "--parent", "130100", "--parent-name", "某某市",
                           "--format", "json", "--out", str(out)],
                          capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert "76 条目标" in done.stdout
    draft = json.loads(out.read_text("utf-8"))
    assert set(draft) >= {"plans", "goals", "targets", "indicators", "unresolved"}
    done = subprocess.run([*run, "plan", "import", str(out)], capture_output=True, text=True,
                          encoding="utf-8")
    assert done.returncode == 0, done.stderr
    exported = subprocess.run([*run, "catalogue", "export", "--format", "json"],
                              capture_output=True, text=True, encoding="utf-8", check=True)
    plans = {p["code"]: p for p in json.loads(exported.stdout)["plans"]}
    assert plans["130102"]["name"] == "某某县"


_SHIPPED_INDICATORS = tuple(i.model_dump() for i in read_catalogue().indicators.indicators)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="孕产妇死亡率达到保持在逐步提高每个村一支以上全覆盖%0123456789.，。；到2025年",
               max_size=80))
def test_drafting_a_goal_never_fails_and_every_number_is_placed_or_listed(text: str) -> None:
    from db.plan_text import numbers_in

    drafted = draft_goal(GoalText("health", "main_goals", 1, text, text), "130101-health-1",
                         list(_SHIPPED_INDICATORS))
    for target in drafted.targets:
        assert target["source"] in text
    listed = {n["text"] for n in drafted.non_targets}
    for number in numbers_in(text):
        assert number.start in drafted.covered or number.text in listed


def test_a_quantity_no_indicator_names_gets_a_proposed_indicator_to_explain(
    indicators: list[dict[str, Any]], tmp_path: Path
) -> None:
    session = _session(tmp_path)
    lines = _variant(seed_text(PANSHAN_TEXT).read_text("utf-8")).splitlines()
    lines.insert(next(i for i, line in enumerate(lines) if line.startswith("（1）")) + 1,
                 "（13）农村妇女参加健康讲座的比例达到60%以上。")
    draft = draft_plan(lines, PlanMeta("130181", "青禾县", parent_code="130100",
                                       parent_name="远山市"), indicators)
    (proposal,) = [i for i in draft["indicators"] if i["proposed"]]
    assert proposal["name"] == "农村妇女参加健康讲座的比例" and proposal["unit"] == "%"
    (target,) = [t for t in draft["targets"] if t["indicator"] == proposal["code"]]
    assert (target["kind"], target["comparator"], target["value"]) == ("threshold", ">=", 60)
    with pytest.raises(DraftError, match="缺少指标解释"):
        import_plan(session, draft)
    proposal["explanation"] = {
        "meaning": "农村妇女中一年内参加过乡镇卫生院或村卫生室健康讲座的人数所占比例。",
        "formula": "比例 = 参加健康讲座的农村妇女人数 ÷ 农村妇女人数 × 100%"
                   "（分子：参加人数；分母：农村妇女人数）。",
        "unit": "百分比（%）", "source": "县卫生健康局健康教育工作统计", "department": "卫生健康局"}
    import_plan(session, draft)
    from db.models import Indicator
    stored = session.get(Indicator, proposal["code"])
    assert proposal["code"] == "local_130181_1"
    assert stored is not None and stored.explanation["department"] == "卫生健康局"
    session.close()


def test_other_headings_numbering_and_broken_lines_are_read(
    indicators: list[dict[str, Any]],
) -> None:
    lines = ["一、妇女与健康", "主要目标：", "1、孕产妇死亡率控制在10/10万以下，",
             "妇女常见病筛查率达到85%以上。", "牵头单位：县卫生健康局  责任单位：县医保局 县妇联",
             "— 3 —", "2、妇女人均预期寿命逐步延长。", "策略措施：", "1、加强妇幼健康服务。"]
    draft = draft_plan(lines, PlanMeta("130183", "某县"), indicators)
    first, second = draft["goals"]
    assert first["text"] == "孕产妇死亡率控制在10/10万以下，妇女常见病筛查率达到85%以上。"
    assert first["lead"] == ["县卫生健康局"] and first["responsible"] == ["县医保局", "县妇联"]
    assert second["text"] == "妇女人均预期寿命逐步延长。"
    assert [(t["indicator"], t["value"]) for t in draft["targets"]] == [
        ("maternal_mortality_ratio", 10), ("common_disease_screening_rate", 85),
        ("life_expectancy_female", None)]

"""Loading a reviewed plan draft into this PC's catalogue (``tianbao plan import``, the
导入本地规划 dialog).

The draft is the document db/plan_draft/plan.py writes (the shape of ``catalogue export``
plus ``unresolved``), after review: every unresolved number or clause has a reason (it becomes
a non-target of its goal) or was turned into a target, and every proposed indicator has its
指标解释. The plan then sits beside the shipped ones: evaluated, reported, synced and
published like them, and kept when a newer shipped catalogue loads (db/catalogue.py keeps
plans whose ``source_file`` starts with ``local:``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.catalogue import VERSION_KEY, _meta_value, _set_meta, _upsert
from db.errors import UserError
from db.models import AuditEntry, Indicator, Plan, Target, table_of
from db.models import Goal as GoalRow
from db.plan_draft.plan import DRAFT_FORMAT

LOCAL_PREFIX = "local:"
EXPLANATION_FIELDS = ("meaning", "formula", "unit", "source", "department")


class DraftError(UserError):
    """A draft that cannot be loaded yet; the message says what to fix."""


def read_draft(path: Path) -> dict[str, Any]:
    """A draft file as written by ``plan draft`` (JSON or YAML, by content)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DraftError(f"找不到草稿文件：{path}") from None
    except UnicodeDecodeError:
        raise DraftError(f"{Path(path).name} 不是 UTF-8 文本，不像是规划草稿。") from None
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise DraftError(f"{Path(path).name} 不是有效的 JSON 或 YAML（{error}）。") from None
    if not isinstance(data, dict) or data.get("format") != DRAFT_FORMAT:
        raise DraftError(f"{Path(path).name} 不是“plan draft”生成的规划草稿。")
    return data


def problems(session: Session, draft: dict[str, Any]) -> list[str]:
    """Everything that keeps ``draft`` from loading, in plain Chinese (empty: it can load)."""
    found: list[str] = []
    plans = draft.get("plans") or []
    if len(plans) != 1:
        return ["草稿中应恰好有一个规划。"]
    code = str(plans[0].get("code", ""))
    stored = session.get(Plan, code)
    if stored is not None and not stored.source_file.startswith(LOCAL_PREFIX):
        found.append(f"代码 {code} 是随软件提供的规划（{stored.name}），不能用本地规划覆盖。")
    for item in draft.get("unresolved") or []:
        if str(item.get("why", "?")).strip() in ("", "?"):
            found.append(f"{item.get('goal')}：“{item.get('text')}”尚未处理"
                         "（请改为目标值，或写明不作为目标的理由）。")
    known = set(session.scalars(select(Indicator.code)))
    for ind in draft.get("indicators") or []:
        if ind.get("code") in known and not ind.get("proposed"):
            continue
        missing = [f for f in EXPLANATION_FIELDS
                   if not str((ind.get("explanation") or {}).get(f, "")).strip()]
        if missing:
            found.append(f"新指标“{ind.get('name')}”（{ind.get('code')}）缺少指标解释："
                         + "、".join(missing))
    defined = known | {i.get("code") for i in draft.get("indicators") or []}
    for target in draft.get("targets") or []:
        if target.get("indicator") not in defined:
            found.append(f"目标值 {target.get('id')} 的指标 {target.get('indicator')} 未定义。")
    if not found:
        found += _schema_problems(draft)
    return found


def _schema_problems(draft: dict[str, Any]) -> list[str]:
    """The same checks the shipped catalogue files pass (db/catalogue_schema.py)."""
    from db.catalogue_schema import GoalEntry, IndicatorEntry, PlanEntry

    found = []
    try:
        PlanEntry.model_validate({k: v for k, v in draft["plans"][0].items()})
        for goal in _plan_file_goals(draft):
            GoalEntry.model_validate(goal)
        for ind in _new_indicators(draft):
            IndicatorEntry.model_validate(_indicator_fields(ind))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        found.append(f"草稿格式有误（{where}）：{first['msg']}")
    return found


def import_plan(session: Session, draft: dict[str, Any], user: str = "") -> str:
    """Load a reviewed draft; return the plan's code. DraftError lists what to fix first."""
    found = problems(session, draft)
    if found:
        raise DraftError("草稿还不能导入：\n" + "\n".join(f"· {p}" for p in found[:30]))
    plan = draft["plans"][0]
    code = str(plan["code"])
    goals = _plan_file_goals(draft)
    previous = _meta_value(session, VERSION_KEY)
    try:
        _upsert(session, table_of(Indicator), "code",
                [_indicator_row(i) for i in _new_indicators(draft)])
        _upsert(session, table_of(Plan), "code", [{
            "code": code, "name": plan["name"], "title": plan["title"], "level": plan["level"],
            "province": plan.get("province") or "", "parent_code": plan["parent"]["code"],
            "parent_name": plan["parent"]["name"],
            "source_file": LOCAL_PREFIX + (plan.get("source") or f"{code}.txt"),
            "domain_order": list(plan["domain_order"]),
        }])
        old_goals = list(session.scalars(select(GoalRow.id).where(GoalRow.plan_code == code)))
        session.execute(delete(table_of(Target)).where(Target.goal_id.in_(old_goals)))
        wanted = {g["id"] for g in goals}
        session.execute(delete(table_of(GoalRow)).where(
            GoalRow.plan_code == code, GoalRow.id.not_in(wanted)))
        _upsert(session, table_of(GoalRow), "id", [_goal_row(code, g) for g in goals])
        targets = [_target_row(g["id"], t) for g in goals for t in g["targets"]]
        if targets:
            session.execute(table_of(Target).insert(), targets)
        version = _local_version(previous, draft)
        _set_meta(session, VERSION_KEY, version)
        session.add(AuditEntry(user=user, action="import_plan", entity="plan", key=code,
                               before={"version": previous} if previous else None,
                               after={"version": version, "goals": len(goals),
                                      "targets": len(targets)}))
        session.commit()
    except Exception:
        session.rollback()
        raise
    return code


def _local_version(previous: str | None, draft: dict[str, Any]) -> str:
    """A new catalogue version: what was stored, plus this plan (so sync files tell them apart)."""
    digest = hashlib.sha256((previous or "").encode())
    digest.update(json.dumps(draft, ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def _new_indicators(draft: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in draft.get("indicators") or [] if i.get("proposed")]


def _indicator_fields(ind: dict[str, Any]) -> dict[str, Any]:
    keys = ("code", "name", "domain", "kind", "unit", "direction", "numerator", "denominator",
            "factor", "disaggregation", "collected_at", "definition")
    return {k: ind[k] for k in keys if ind.get(k) is not None}


def _indicator_row(ind: dict[str, Any]) -> dict[str, Any]:
    fields = _indicator_fields(ind)
    return {
        "code": fields["code"], "name": fields["name"], "domain_key": fields["domain"],
        "kind": fields["kind"], "unit": fields["unit"], "direction": fields["direction"],
        "numerator": fields.get("numerator"), "denominator": fields.get("denominator"),
        "factor": fields.get("factor"), "disaggregation": fields.get("disaggregation", []),
        "collected_at": fields["collected_at"], "definition": fields.get("definition", ""),
        "explanation": {k: v for k, v in (ind.get("explanation") or {}).items() if v},
    }


def _plan_file_goals(draft: dict[str, Any]) -> list[dict[str, Any]]:
    """The draft's goals in the shape of a plan file (db/catalogue_schema.GoalEntry)."""
    reasons: dict[str, list[dict[str, str]]] = {}
    for item in draft.get("unresolved") or []:
        reasons.setdefault(item["goal"], []).append({"text": item["text"], "why": item["why"]})
    by_goal: dict[str, list[dict[str, Any]]] = {}
    for t in draft.get("targets") or []:
        entry = {k: v for k, v in t.items()
                 if k not in ("plan", "domain", "goal", "chapter", "indicator_name")
                 and (v is not None or k in ("value", "comparator"))}
        if entry.get("measure") == "level":
            entry.pop("measure")
        by_goal.setdefault(t["id"].rsplit("-", 1)[0], []).append(entry)
    goals = []
    for g in draft.get("goals") or []:
        goals.append({
            "id": g["id"], "domain": g["domain"], "number": g["number"],
            "chapter": g.get("chapter", "main_goals"), "text": g["text"],
            "lead": list(g.get("lead") or []), "responsible": list(g.get("responsible") or []),
            "targets": by_goal.get(g["id"], []),
            "non_targets": list(g.get("non_targets") or []) + reasons.get(g["id"], []),
        })
    return goals


def _goal_row(code: str, g: dict[str, Any]) -> dict[str, Any]:
    return {"id": g["id"], "plan_code": code, "domain_key": g["domain"], "chapter": g["chapter"],
            "number": g["number"], "text": g["text"], "lead_departments": g["lead"],
            "responsible_departments": g["responsible"], "qualitative": not g["targets"],
            "non_targets": g["non_targets"]}


def _target_row(goal_id: str, t: dict[str, Any]) -> dict[str, Any]:
    return {"id": t["id"], "goal_id": goal_id, "indicator_code": t["indicator"],
            "kind": t["kind"], "comparator": t.get("comparator"), "value": t.get("value"),
            "unit": t.get("unit"), "year": t.get("year"), "tolerance": t.get("tolerance"),
            "baseline_year": t.get("baseline_year"), "relative_to": t.get("relative_to"),
            "measure": t.get("measure", "level"), "per_unit_level": t.get("per_unit_level"),
            "disaggregation": t.get("disaggregation"), "source": t["source"]}


def local_plan_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Plan.code).where(Plan.source_file.startswith(LOCAL_PREFIX))))



"""Units change over a ten-year plan: renames, new codes, merges (撤乡并镇), splits and moves.

A unit is valid from ``valid_from`` to ``valid_to`` (years, both inclusive; None is open). A
year's aggregates, completeness and reports use the units valid in that year, so a report for
2022 printed in 2026 shows the same townships and figures as in 2022 (docs/units.md).

A change is a :class:`~db.models.UnitEvent` with the first year of the new map and a reason:
the units it closes (``sources`` not among ``targets``) are valid up to the year before, the
units it opens (``targets`` not among ``sources``) from that year. Every kind is this one rule:

- rename (更名): the same code, a new name from the year (``names`` keeps both);
- recode (更换代码): the same place under a new 统计用区划代码;
- merge (合并): sources into one target, a new unit or one of the sources (A absorbs B);
- split (拆分): one source into several targets (the source may continue as one of them);
- move (划转): to another county, which means a new code under the new parent;
- close (撤销): sources end, nothing follows (``units deactivate --from-year``).

A successor's trend and early warning may use its predecessors' pooled history (merges, new
codes, moves; a split's parts start afresh, since nobody knows their share of the old figures).
Functions here flush but do not commit; every change is audited (entity ``org_unit``, so it
travels upward with the sync file's audit entries as well as in its ``unitEvents``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, DataValue, OrgUnit, UnitEvent
from db.units import UnitError, create_unit, get_unit, home_unit_code, normalize_code

FIRST_YEAR, LAST_YEAR = 2020, 2030  # as db/figures.py: baseline 2020, plan 2021–2030
PLAN_START = 2021
KINDS = ("rename", "recode", "merge", "split", "move", "close")
KIND_LABELS = {"rename": "更名", "recode": "更换代码", "merge": "合并", "split": "拆分",
               "move": "划转", "close": "撤销"}
# Kinds after which a target's earlier years are its sources' pooled figures.
POOLING_KINDS = ("recode", "merge", "move")
_BEFORE_WORDS = {"recode": "更换代码前", "merge": "合并前", "move": "划转前"}


# ------------------------------------------------------------------------------ validity


def is_valid(active: bool, valid_from: int | None, valid_to: int | None, year: int) -> bool:
    """Whether a unit existed in ``year``. A unit deactivated without a year (before validity
    periods existed, and with no audit entry to date it) counts in no year, as it did then."""
    if not active and valid_to is None:
        return False
    return (valid_from is None or valid_from <= year) and (valid_to is None or year <= valid_to)


def unit_valid_in(unit: OrgUnit, year: int) -> bool:
    return is_valid(unit.active, unit.valid_from, unit.valid_to, year)


def unit_year_problem(unit: OrgUnit, year: int) -> str | None:
    """Why figures of ``unit`` for ``year`` cannot be entered, in Chinese; None if they can.

    A merged township still takes corrections for the years it existed, none after."""
    if unit_valid_in(unit, year):
        return None
    if not unit.active and unit.valid_to is None:
        return f"单位“{unit.name}”已停用，不能再填报数据。"
    return (f"单位“{unit.name}”的有效期为{validity_text(unit)}，{year}年不存在，"
            "不能填报该年数据。")


def validity_text(unit: OrgUnit) -> str:
    """The years a unit existed in, in words: 2021—2022年, 2023年起, 一直有效, 已停用."""
    if not unit.active and unit.valid_to is None:
        return "已停用"
    first = unit.valid_from
    if unit.valid_to is None:
        return f"{first}年起" if first else "一直有效"
    return f"{first or PLAN_START}—{unit.valid_to}年" if (first or PLAN_START) < unit.valid_to \
        else f"{unit.valid_to}年"


def units_valid_in(session: Session, parent_code: str, year: int) -> list[OrgUnit]:
    """The units directly under ``parent_code`` that existed in ``year``, by code."""
    kids = session.scalars(select(OrgUnit).where(OrgUnit.parent_code == parent_code)
                           .order_by(OrgUnit.code))
    return [unit for unit in kids if unit_valid_in(unit, year)]


def names_in(session: Session, year: int) -> dict[str, str]:
    """The names units had in ``year`` where a later rename changed them (code → name)."""
    out: dict[str, str] = {}
    events = session.scalars(select(UnitEvent).where(UnitEvent.kind == "rename",
                                                     UnitEvent.year > year)
                             .order_by(UnitEvent.year.desc(), UnitEvent.id.desc()))
    for event in events:  # latest first, so the earliest rename after the year wins
        for code, (before, _after) in (event.names or {}).items():
            out[code] = before
    return out


def name_in(session: Session, code: str, year: int) -> str:
    """The unit's name in ``year`` (before any later rename)."""
    earlier = names_in(session, year).get(code)
    return earlier if earlier is not None else get_unit(session, code).name


# ------------------------------------------------------------------------------ lineage


Lineage = dict[str, list[tuple[int, str, tuple[str, ...]]]]  # code → (year, kind, sources)


def load_lineage(session: Session) -> Lineage:
    """For each successor, the changes whose sources' pooled figures are its history before."""
    out: Lineage = {}
    for event in session.scalars(select(UnitEvent).where(UnitEvent.kind.in_(POOLING_KINDS))
                                 .order_by(UnitEvent.year, UnitEvent.id)):
        for target in event.targets:
            out.setdefault(target, []).append((event.year, event.kind, tuple(event.sources)))
    return out


def pooled_note(lineage: Lineage, names: Mapping[str, str], code: str,
                years: Iterable[int]) -> str:
    """What a successor's earlier figures are, for the detail pane and the report:
    "2021—2022年为合并前甲镇、乙镇合计"; empty if none of ``years`` is pooled."""
    shown = sorted(years)
    parts = []
    for year, kind, sources in lineage.get(code, []):
        before = [y for y in shown if y < year]
        if not before:
            continue
        span = f"{before[0]}年" if before[0] == before[-1] else f"{before[0]}—{before[-1]}年"
        who = "、".join(names.get(s, s) for s in sources)
        tail = "合计" if len(sources) > 1 else "的数据"
        parts.append(f"{span}为{_BEFORE_WORDS[kind]}{who}{tail}")
    return "；".join(parts)


# ------------------------------------------------------------------------------ recording


@dataclass(frozen=True)
class NewUnit:
    """A unit an event opens that does not exist yet."""

    code: str
    name: str
    parent: str | None = None  # default: the parent of the event's first source


def record_rename(session: Session, code: str, new_name: str, year: int, reason: str = "",
                  user: str = "") -> UnitEvent:
    """Rename a unit from ``year`` on (乡 → 镇); its code and figures stay, and reports for
    earlier years keep the old name."""
    unit = get_unit(session, code)
    new_name = new_name.strip()
    if not new_name:
        raise UnitError("单位名称不能为空。")
    if new_name == unit.name:
        raise UnitError(f"“{unit.name}”的名称没有变化。")
    return apply_event(session, {"kind": "rename", "year": year, "reason": reason,
                                 "sources": [unit.code], "targets": [unit.code],
                                 "names": {unit.code: [unit.name, new_name]}}, user=user)


def record_close(session: Session, code: str, year: int, reason: str = "",
                 user: str = "") -> UnitEvent:
    """The unit no longer exists from ``year`` on (``units deactivate --from-year``)."""
    unit = get_unit(session, code)
    return apply_event(session, {"kind": "close", "year": year, "reason": reason,
                                 "sources": [unit.code], "targets": [],
                                 "names": {unit.code: [unit.name, unit.name]}}, user=user)


def record_merge(session: Session, sources: Sequence[str], into: str, year: int,
                 reason: str = "", user: str = "", name: str | None = None) -> UnitEvent:
    """Merge ``sources`` into ``into`` from ``year``: a new unit (``name`` needed) or one of
    the sources, which absorbs the others."""
    codes = _distinct(sources)
    into = normalize_code(into)
    exists = session.get(OrgUnit, into) is not None
    if exists and into not in codes:
        codes.append(into)  # an existing unit absorbs the others: its history is pooled too
    if len(codes) < 2:
        raise UnitError("合并至少需要两个单位：请指定被合并的单位和合并后的单位。")
    new = [] if exists else [NewUnit(into, name or "")]
    return _record(session, "merge", codes, [into], year, reason, user, new)


def record_split(session: Session, source: str, parts: Sequence[tuple[str, str | None]],
                 year: int, reason: str = "", user: str = "") -> UnitEvent:
    """Split ``source`` into ``parts`` (code, name for a new unit) from ``year``. The source
    continues if its own code is among the parts."""
    source = normalize_code(source)
    codes = _distinct([code for code, _ in parts])
    if len(codes) < 2:
        raise UnitError("拆分后至少应有两个单位。")
    names = {normalize_code(code): name for code, name in parts}
    new = [NewUnit(code, names.get(code) or "") for code in codes
           if session.get(OrgUnit, code) is None]
    return _record(session, "split", [source], codes, year, reason, user, new)


def record_recode(session: Session, code: str, new_code: str, year: int, reason: str = "",
                  user: str = "", name: str | None = None) -> UnitEvent:
    """The same place under a new code from ``year`` (a new 统计用区划代码)."""
    unit = get_unit(session, code)
    return _record(session, "recode", [unit.code], [normalize_code(new_code)], year, reason,
                   user, [NewUnit(normalize_code(new_code), name or unit.name)])


def record_move(session: Session, code: str, new_code: str, new_parent: str, year: int,
                reason: str = "", user: str = "", name: str | None = None) -> UnitEvent:
    """Move a unit to another county from ``year``: a township's code begins with its county's,
    so it continues under ``new_code`` below ``new_parent``."""
    unit = get_unit(session, code)
    parent = get_unit(session, new_parent)
    if parent.code == unit.parent_code:
        raise UnitError(f"“{unit.name}”已属于“{parent.name}”。")
    return _record(session, "move", [unit.code], [normalize_code(new_code)], year, reason, user,
                   [NewUnit(normalize_code(new_code), name or unit.name, parent.code)])


def _distinct(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(normalize_code(code) for code in codes))


def _record(session: Session, kind: str, sources: list[str], targets: list[str], year: int,
            reason: str, user: str, new: list[NewUnit]) -> UnitEvent:
    _check_year(year)
    first = get_unit(session, sources[0]) if sources else None
    for unit in new:
        if not unit.name.strip():
            raise UnitError(f"请填写新单位 {unit.code} 的名称。")
        parent = unit.parent or (first.parent_code if first else None)
        level = first.level if first else "township"
        created = create_unit(session, unit.code, unit.name, level, parent_code=parent, user=user)
        created.valid_from = year
    names = {}
    for code in dict.fromkeys([*sources, *targets]):
        name = get_unit(session, code).name
        names[code] = [name, name]
    return apply_event(session, {"kind": kind, "year": year, "reason": reason,
                                 "sources": sources, "targets": targets, "names": names},
                       user=user)


def _check_year(year: object) -> None:
    if isinstance(year, bool) or not isinstance(year, int) \
            or not PLAN_START <= year <= LAST_YEAR:
        raise UnitError(f"变更年份必须在{PLAN_START}—{LAST_YEAR}年之间。")


# ------------------------------------------------------------------------------ applying


def event_problem(session: Session, event: Mapping[str, Any]) -> str | None:
    """Why ``event`` cannot be applied to this database's units, in Chinese; None if it can.

    Used before recording here and when a sync file brings an event (db/sync/unit_events.py).
    """
    kind, year = event.get("kind"), event.get("year")
    if kind not in KINDS:
        return f"未知的单位变更类型“{kind}”。"
    try:
        _check_year(year)
    except UnitError as error:
        return str(error)
    assert isinstance(year, int)
    sources, targets = list(event.get("sources") or []), list(event.get("targets") or [])
    if not sources:
        return "变更没有涉及任何原有单位。"
    units = {}
    for code in dict.fromkeys([*sources, *targets]):
        unit = session.get(OrgUnit, code)
        if unit is None:
            return f"没有代码为 {code} 的单位。"
        units[code] = unit
    label = KIND_LABELS[kind]
    for code in sources:
        unit = units[code]
        if not unit_valid_in(unit, year - 1):
            return f"“{unit.name}”在{year - 1}年已不存在（{validity_text(unit)}），不能{label}。"
    closing = [code for code in sources if code not in targets]
    home = home_unit_code(session)
    for code in closing:
        unit = units[code]
        if code == home:
            return f"“{unit.name}”是本机的填报单位，不能撤销。"
        alive = [kid.name for kid in units_valid_in(session, code, year)]
        if alive:
            return (f"“{unit.name}”在{year}年还有下级单位（{'、'.join(alive)}），"
                    "请先调整下级单位。")
    if kind == "rename":
        if sources != targets or len(sources) != 1:
            return "更名只涉及一个单位，代码不变。"
        names = (event.get("names") or {}).get(sources[0])
        if not names or len(names) != 2 or not str(names[1]).strip():
            return "更名缺少新名称。"
    elif kind in ("merge", "recode", "move") and len(targets) != 1:
        return f"{label}后应只有一个单位。"
    elif kind == "close" and targets:
        return "撤销的单位没有后继单位。"
    return None


def apply_event(session: Session, event: Mapping[str, Any], *, user: str = "",
                origin: str | None = None, origin_id: int | None = None) -> UnitEvent:
    """Change the units as ``event`` says and keep it, with audit entries; UnitError if it
    cannot apply. ``origin``/``origin_id``: where a received event was recorded."""
    problem = event_problem(session, event)
    if problem is not None:
        raise UnitError(problem)
    year = int(event["year"])
    sources, targets = list(event["sources"]), list(event["targets"])
    names = {code: list(pair) for code, pair in (event.get("names") or {}).items()}
    row = UnitEvent(kind=event["kind"], year=year, reason=str(event.get("reason") or ""),
                    sources=sources, targets=targets, names=names, user=user,
                    origin=origin, origin_id=origin_id)
    if event.get("recorded_at") is not None:
        row.recorded_at = event["recorded_at"]
    session.add(row)
    session.flush()
    for code in sources:
        if code not in targets:
            _change(session, code, row, user, valid_to=year - 1, active=False)
    for code in targets:
        if code not in sources:
            _change(session, code, row, user, valid_from=year)
    if row.kind == "rename":
        _change(session, sources[0], row, user, name=names[sources[0]][1])
    session.flush()
    return row


def _change(session: Session, code: str, event: UnitEvent, user: str, **changes: Any) -> None:
    unit = get_unit(session, code)
    before = unit_state(unit)
    for name, value in changes.items():
        setattr(unit, name, value)
    after = {**unit_state(unit), "event": {"kind": event.kind, "year": event.year,
                                           "reason": event.reason}}
    session.add(AuditEntry(user=user, action=f"unit_{event.kind}", entity="org_unit", key=code,
                           before=before, after=after))


def unit_state(unit: OrgUnit) -> dict[str, Any]:
    return {"name": unit.name, "level": unit.level, "parent_code": unit.parent_code,
            "plan_code": unit.plan_code, "active": unit.active,
            "valid_from": unit.valid_from, "valid_to": unit.valid_to}


def event_record(event: UnitEvent) -> dict[str, Any]:
    """An event as the sync file carries it (without origin; the exporter adds it)."""
    return {"kind": event.kind, "year": event.year, "reason": event.reason,
            "sources": list(event.sources), "targets": list(event.targets),
            "names": {code: list(pair) for code, pair in (event.names or {}).items()},
            "user": event.user}


def events_for(session: Session, codes: Iterable[str]) -> list[UnitEvent]:
    """The events touching any of ``codes``, oldest first."""
    wanted = set(codes)
    return [event for event in session.scalars(select(UnitEvent).order_by(UnitEvent.id))
            if wanted & {*event.sources, *event.targets}]


def event_text(event: UnitEvent | Mapping[str, Any], names: Mapping[str, str]) -> str:
    """One line for a list or a preview: 2023年 合并：甲镇、乙镇 → 丙镇（撤乡并镇）."""
    get = (lambda k: getattr(event, k)) if isinstance(event, UnitEvent) else event.get
    kind, year = get("kind"), get("year")
    recorded = get("names") or {}

    def name(code: Any, when: int) -> str:
        pair = recorded.get(str(code))
        return f"{pair[when] if pair else names.get(code, code)}（{code}）"

    sources = "、".join(name(c, 0) for c in get("sources") or [])
    targets = "、".join(name(c, 1) for c in get("targets") or [])
    text = f"{year}年起 {KIND_LABELS.get(str(kind), kind)}：{sources}"
    if targets and kind != "rename":
        text += f" → {targets}"
    elif kind == "rename":
        text += f" → {recorded.get((get('sources') or [''])[0], ['', ''])[1]}"
    reason = get("reason")
    return text + (f"（{reason}）" if reason else "")


# ------------------------------------------------------------------------------ findings


@dataclass(frozen=True)
class OutsideValidity:
    """Figures stored for a unit in a year it did not exist: not counted, shown as a finding."""

    code: str
    name: str
    year: int
    figures: int
    validity: str

    @property
    def message(self) -> str:
        return (f"{self.name}（{self.code}）{self.year}年有{self.figures}项数据，但该单位的"
                f"有效期为{self.validity}：这些数据不计入汇总，请核实")


def figures_outside_validity(session: Session, codes: Iterable[str]) -> list[OutsideValidity]:
    """For the units ``codes``: each year holding figures outside the unit's validity."""
    wanted = set(codes)
    units = {u.code: u for u in session.scalars(select(OrgUnit)) if u.code in wanted}
    closed = [u.code for u in units.values()
              if u.valid_from is not None or u.valid_to is not None or not u.active]
    if not closed:
        return []
    rows = session.execute(
        select(DataValue.unit_code, DataValue.year, func.count())
        .where(DataValue.unit_code.in_(closed))
        .group_by(DataValue.unit_code, DataValue.year)
        .order_by(DataValue.unit_code, DataValue.year)).all()
    return [OutsideValidity(code, units[code].name, year, count, validity_text(units[code]))
            for code, year, count in rows if not unit_valid_in(units[code], year)]

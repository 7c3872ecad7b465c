"""Unit change events in a sync file (``unitEvents``, format 1.1; docs/sync-format.md).

A county's file carries every event that touches its subtree, each with the origin and id it was
recorded under, so the city applies it once however often it arrives, and passes it on upward
unchanged. The city previews the events with the figures and applies them in its own hierarchy
(db/unit_events.py); an event that names a unit outside the sender's subtree there refuses the
whole file, like a figure of such a unit would.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import OrgUnit, UnitEvent
from db.sync.format import SyncError, format_time, parse_time
from db.unit_events import apply_event, event_problem, event_record, event_text
from db.units import UnitError

if TYPE_CHECKING:
    from db.sync.compare import Checker

SECTION = "unitEvents"
LABEL = "区划变更"


# ------------------------------------------------------------------------------ export


def event_records(session: Session, units: Iterable[str], fingerprint: str
                  ) -> list[dict[str, Any]]:
    """The events touching ``units``, oldest first, as the payload carries them."""
    wanted = set(units)
    out = []
    for event in session.scalars(select(UnitEvent).order_by(UnitEvent.id)):
        if not wanted & {*event.sources, *event.targets}:
            continue
        record = {"origin": event.origin or fingerprint,
                  "originId": event.origin_id if event.origin else event.id,
                  **event_record(event), "recordedAt": format_time(event.recorded_at)}
        out.append(record)
    return out


# ------------------------------------------------------------------------------ import


class UnitEventsIn:
    """The events of one file: checked while it is read, applied with the rest (or not)."""

    def __init__(self, importer: Checker) -> None:
        self.importer = importer
        self.pending: list[dict[str, Any]] = []
        self.known = {tuple(row) for row in importer.session.execute(
            select(UnitEvent.origin, UnitEvent.origin_id).where(UnitEvent.origin.is_not(None)))}
        self.seen: set[tuple[str, int]] = set()

    def check(self, number: int, record: Any) -> None:
        importer = self.importer
        if not importer.well_formed(number, SECTION, record, "unitEvent"):
            return
        identity = (record["origin"], record["originId"])
        if (record["origin"] == importer.own_fingerprint or identity in self.known
                or identity in self.seen):
            return  # recorded here, or applied before: once is enough
        self.seen.add(identity)
        outside = [code for code in (*record["sources"], *record["targets"])
                   if code not in importer.allowed]
        if outside:
            names = "、".join(f"{importer.unit_names.get(c, c)}（{c}）" for c in outside)
            importer.error(number, SECTION,
                           f"区划变更“{event_text(record, importer.unit_names)}”涉及的单位 "
                           f"{names} 在本数据库中不属于发送单位 {importer.source.signer_unit} "
                           "及其下级，拒绝导入。")
            return
        session = importer.session
        if all(session.get(OrgUnit, code) is not None
               for code in (*record["sources"], *record["targets"])) and not self.pending:
            # Units the file adds are created only when it is applied: check what can be now.
            problem = event_problem(session, record)
            if problem is not None:
                importer.error(number, SECTION, f"区划变更无法应用：{problem}")
                return
        self.pending.append(record)
        importer.preview.unit_events.append(event_text(record, importer.unit_names))

    def write(self, user: str) -> None:
        """Apply the new events in the order they were recorded; SyncError if one cannot be
        (the caller rolls the whole import back)."""
        session = self.importer.session
        created = {unit["code"] for unit in self.importer.new_units}
        for record in self.pending:
            for code in record["sources"]:
                unit = session.get(OrgUnit, code)
                # A unit the sender added and closed before this first file arrives inactive;
                # the event is what closes it here, from its year.
                if code in created and unit is not None and not unit.active \
                        and unit.valid_to is None:
                    unit.active = True
            moment = parse_time(record["recordedAt"]) if record.get("recordedAt") else None
            event = {**record, "recorded_at": moment}
            try:
                apply_event(session, event, user=record.get("user") or user,
                            origin=record["origin"], origin_id=record["originId"])
            except UnitError as error:
                raise SyncError("bad_unit_event", f"区划变更“{event_text(record, {})}”无法应用："
                                f"{error}，未导入任何数据。") from None

"""What importing a sync or DHIS2 file would do (or did): a plain record, no database.

:class:`SyncPreview` is filled by the checks (db/sync/compare.py) and read by the command line
and the sync dialog alike; db/sync/preview_text.py writes its lines in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from db.checks import Finding
from db.importing.report_lines import ImportReport

SECTIONS = ("orgUnits", "dataValues", "goalProgress", "auditEntries", "unitEvents")
SECTION_LABELS = {"orgUnits": "单位", "dataValues": "数据", "goalProgress": "目标进展",
                  "auditEntries": "修改记录", "unitEvents": "区划变更"}
# Detailed findings and conflicts beyond these are counted, not kept: a wrong file can have a
# million of them, and the clerk needs the first few to see what is wrong.
MAX_FINDINGS = 500
MAX_CONFLICTS = 2000


@dataclass
class Counts:
    """How many records are new, changed, unchanged or in conflict."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    conflict: int = 0

    def add(self, other: Counts) -> None:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.conflict += other.conflict

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged + self.conflict


@dataclass(frozen=True)
class Conflict:
    """A figure (or goal's progress) of the file that is not applied, and why."""

    unit: str
    what: str  # indicator code, or goal id for progress
    year: int
    disaggregation: str
    reason: str
    stored: str
    incoming: str


@dataclass
class SyncPreview:
    """What importing a file would do (or did): checked, compared, and whether applied."""

    path: Path
    kind: str = "figures"  # figures | dhis2
    sender_unit: str | None = None
    sender_name: str = ""
    fingerprint: str | None = None
    created_at: datetime | None = None
    years: list[int] = field(default_factory=list)
    catalogue_version: str | None = None
    catalogue_differs: bool = False
    file_sha256: str = ""
    unit_names: dict[str, str] = field(default_factory=dict)
    figures: dict[str, Counts] = field(default_factory=dict)
    progress: Counts = field(default_factory=Counts)
    audit_new: int = 0
    audit_known: int = 0
    new_units: list[tuple[str, str]] = field(default_factory=list)
    unit_events: list[str] = field(default_factory=list)  # the new ones, in words
    conflicts: list[Conflict] = field(default_factory=list)
    conflict_total: int = 0
    skipped: int = 0
    report: ImportReport = field(default_factory=ImportReport)
    findings_total: int = 0
    # The sender's status of the figures (draft/submitted/approved → how many); here they
    # arrive at most as submitted (compare.RECEIVED_STATUS).
    sender_statuses: dict[str, int] = field(default_factory=dict)
    # Figures and progress records whose time was later than this computer's clock (plus a
    # margin): recorded with the time of import, never overwriting a different stored one.
    future_times: int = 0
    # Comments whose control characters were removed (db.checks.clean_comment).
    comments_cleaned: int = 0
    # Changes that need a written reason at this level: the 30% rule and warning 审核公式
    # (db/plan_checks.py), worded with unit and year; counted beyond MAX_FINDINGS.
    warnings: list[Finding] = field(default_factory=list)
    warnings_total: int = 0
    already_imported: datetime | None = None
    dry_run: bool = False
    applied: bool = False
    backup_path: Path | None = None
    # Returns (退回) issued here that this file's corrected figures closed (db/returns.py).
    returns_closed: int = 0

    @property
    def refused(self) -> bool:
        return self.report.has_errors

    @property
    def totals(self) -> Counts:
        total = Counts()
        for counts in self.figures.values():
            total.add(counts)
        return total

    @property
    def changes(self) -> int:
        totals = self.totals
        return (totals.new + totals.changed + self.progress.new + self.progress.changed
                + self.audit_new + len(self.new_units) + len(self.unit_events))


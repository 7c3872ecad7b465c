"""What every import reports (CSV, Excel template): the rows read, accepted, refused and skipped,
the findings by the row number Excel shows, and the last line saying what became of the file."""

from __future__ import annotations

from dataclasses import dataclass, field

from db.checks import Finding, has_errors


@dataclass
class ImportReport:
    """What an import read, what it found wrong, and whether it wrote anything."""

    source: str = ""
    encoding: str = ""
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0  # rows with an empty value: no figure, nothing to save
    changed: int = 0  # figures whose stored value or comment was (or would be) changed
    findings: dict[int, list[Finding]] = field(default_factory=dict)
    applied: bool = False
    dry_run: bool = False
    kept_findings: int = 0  # a streamed import keeps this many findings …
    left_off: int = 0  # … and only counts the rest
    left_off_errors: bool = False  # whether an error is among those counted

    @property
    def has_errors(self) -> bool:
        return self.left_off_errors or any(has_errors(found) for found in self.findings.values())

    def add(self, row: int, finding: Finding) -> None:
        self.findings.setdefault(row, []).append(finding)


def counts_line(report: ImportReport, skipped_words: str) -> str:
    """How many rows were read, and how many were right, wrong and skipped (``skipped_words``)."""
    return (f"读取数据 {report.rows_read} 行：无误 {report.accepted} 行，"
            f"有错误 {report.rejected} 行，{skipped_words} {report.skipped} 行。")


def finding_line(row: int, finding: Finding) -> str:
    """A finding by the row number Excel shows."""
    label = "错误" if finding.severity == "error" else "提醒"
    return f"第{row}行 {label}：{finding.message}"


def result_lines(report: ImportReport, source: str) -> list[str]:
    """The report's last line: ``source`` (文件, 模板) refused for its errors, checked by a dry
    run, or imported; none for a report that is neither."""
    same = report.accepted - report.changed
    if report.has_errors:
        return [f"结果：{source}有错误，没有导入任何数据。请更正以上错误后重新导入。"]
    if report.dry_run:
        return [f"结果：检查通过（试导入，未写入数据库）。正式导入将更新 {report.changed} 个"
                f"数据，其余 {same} 个与库中相同。"]
    if report.applied:
        return [f"结果：已导入。更新了 {report.changed} 个数据，其余 {same} 个与库中相同。"]
    return []

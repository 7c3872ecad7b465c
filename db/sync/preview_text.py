"""Previews and import results as the command line prints them, in Chinese."""

from __future__ import annotations

from db.checks import DISAGGREGATION_LABELS
from db.figures import STATUSES, YEAR_STATUS_LABELS
from db.sync.catalogue_update import LABELS, CataloguePreview
from db.sync.keys import format_fingerprint
from db.sync.preview import SyncPreview

SHOWN_CONFLICTS = 50


def source_lines(preview: SyncPreview) -> list[str]:
    """Which file, who sent and signed it, and when: the top of every preview (CLI and app)."""
    lines: list[str] = [f"文件：{preview.path.name}"]
    if preview.kind == "dhis2":
        lines.append("来源：DHIS2 数据文件（无签名，由导入人确认来源）")
        return lines + notice_lines(preview)
    lines.append(f"发送单位：{preview.sender_name}（{preview.sender_unit}），签名有效，"
                 f"密钥指纹 {format_fingerprint(preview.fingerprint or '')}")
    if preview.created_at is not None:
        local = preview.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(f"生成时间：{local}；年份：{_years(preview.years)}")
    if preview.catalogue_differs:
        lines.append("提醒：对方使用的目录版本与本机不同，个别指标可能无法导入。")
    return lines + notice_lines(preview)


def notice_lines(preview: SyncPreview) -> list[str]:
    """The sender's status of the figures, and times from the future: what the file claims
    that this level does not take over."""
    lines: list[str] = []
    if preview.sender_statuses:
        shown = "，".join(f"{YEAR_STATUS_LABELS[status]} {count} 个"
                         for status, count in sorted(preview.sender_statuses.items(),
                                                     key=lambda item: STATUSES.index(item[0])))
        lines.append(f"发送方的数据状态：{shown}。")
        if preview.sender_statuses.get("approved"):
            lines.append("提醒：发送方已审核的数据在本级作为“已上报”导入，是否审核由本级决定。")
    if preview.future_times:
        lines.append(f"提醒：{preview.future_times} 条数据的修改时间晚于本机当前时间（发送方电脑的"
                     "时钟可能不准），已按导入时间记录；与本级不同的数据列为冲突，不覆盖本级数据。")
    if preview.comments_cleaned:
        lines.append(f"提醒：{preview.comments_cleaned} 条数据的备注中有看不见的控制字符，已删除。")
    return lines


def format_preview(preview: SyncPreview, limit: int = 200) -> str:
    """Sender, per-unit counts, conflicts, findings and the outcome, one fact per line."""
    lines = source_lines(preview)
    if preview.already_imported is not None:
        when = preview.already_imported.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(f"提醒：此文件已于 {when} 导入过。")
    if preview.refused:
        lines.append(f"文件有 {preview.findings_total} 处错误，没有导入任何数据：")
        shown = 0
        for found in preview.report.findings.values():
            for finding in found:
                if shown < limit:
                    lines.append(f"  错误：{finding.message}")
                shown += 1
        if preview.findings_total > shown or shown > limit:
            lines.append(f"  ……另有 {preview.findings_total - min(shown, limit)} 处未列出。")
        return "\n".join(lines)

    if preview.new_units:
        names = "、".join(f"{name}（{code}）" for code, name in preview.new_units[:10])
        more = f"等 {len(preview.new_units)} 个" if len(preview.new_units) > 10 else ""
        lines.append(f"新增单位：{names}{more}")
    for text in preview.unit_events:
        lines.append(f"区划变更：{text}")
    # Counts first and the unit's name last: Chinese names are twice as wide as a column.
    lines.append(f"{'新增':>6}{'更新':>6}{'相同':>6}{'冲突':>6}  单位")
    for unit, counts in preview.figures.items():
        name = f"{preview.unit_names.get(unit, unit)}（{unit}）"
        lines.append(f"{counts.new:>8}{counts.changed:>8}{counts.unchanged:>8}"
                     f"{counts.conflict:>8}  {name}")
    totals = preview.totals
    lines.append(f"{totals.new:>8}{totals.changed:>8}{totals.unchanged:>8}"
                 f"{totals.conflict:>8}  合计")
    progress = preview.progress
    if progress.total:
        lines.append(f"目标进展：新增 {progress.new}，更新 {progress.changed}，相同 "
                     f"{progress.unchanged}，冲突 {progress.conflict}")
    if preview.audit_new or preview.audit_known:
        lines.append(f"修改记录：新增 {preview.audit_new} 条，已有 {preview.audit_known} 条")
    if preview.skipped:
        lines.append(f"DHIS2 标记为删除的数据 {preview.skipped} 条：不导入（交换从不删除数据）。")
    if preview.conflict_total:
        lines.append(f"冲突 {preview.conflict_total} 处（不导入，保留本级数据）：")
        for conflict in preview.conflicts[:SHOWN_CONFLICTS]:
            dis = DISAGGREGATION_LABELS.get(conflict.disaggregation, conflict.disaggregation)
            what = f"{conflict.what}" + (f"（{dis}）" if dis else "")
            stored = conflict.stored or "无"
            lines.append(f"  {conflict.unit} {what} {conflict.year}年：本级 {stored}"
                         f"，文件 {conflict.incoming}——{conflict.reason}")
        if preview.conflict_total > SHOWN_CONFLICTS:
            lines.append(f"  ……另有 {preview.conflict_total - SHOWN_CONFLICTS} 处未列出。")
    if preview.warnings_total:
        lines.append(f"需说明的变化 {preview.warnings_total} 处"
                     "（照常导入；上报前须在备注中说明）：")
        lines += [f"  提醒：{finding.message}" for finding in preview.warnings[:limit]]
        if preview.warnings_total > min(len(preview.warnings), limit):
            lines.append(f"  ……另有 {preview.warnings_total - min(len(preview.warnings), limit)}"
                         " 处未列出。")
    if preview.dry_run:
        lines.append("结果：检查通过（试导入，未写入数据库）。")
    elif preview.applied:
        copy = f"导入前的数据库副本：{preview.backup_path}" if preview.backup_path else ""
        closed = (f"退回已关闭 {preview.returns_closed} 条（下级已更正）。"
                  if preview.returns_closed else "")
        lines.append(f"结果：已导入。{closed}{copy}")
    else:
        lines.append("结果：没有需要导入的变化，数据库未作改动。")
    return "\n".join(lines)


def _years(years: list[int]) -> str:
    if not years:
        return "-"
    return f"{years[0]}—{years[-1]}" if len(years) > 1 else str(years[0])


def format_catalogue_preview(preview: CataloguePreview) -> str:
    lines = [f"文件：{preview.path.name}",
             f"发布单位：{preview.sender_name}（{preview.sender_unit}），签名有效",
             f"目录版本：{preview.version}（本机：{preview.current_version or '-'}）"]
    if preview.up_to_date:
        lines.append("结果：本机已是该目录版本，未作改动。")
        return "\n".join(lines)
    for name, changes in preview.tables.items():
        kept = f"，保留 {changes.kept}" if changes.kept else ""
        lines.append(f"{LABELS[name]}：新增 {changes.new}，修改 {changes.changed}，相同 "
                     f"{changes.unchanged}，删除 {changes.removed}{kept}")
    lines.append("已填报的数据不受影响：指标只增不删，有进展记录的目标保留。")
    if preview.dry_run:
        lines.append("结果：检查通过（试导入，未写入数据库）。")
    elif preview.applied:
        lines.append("结果：已导入目录更新。")
    return "\n".join(lines)

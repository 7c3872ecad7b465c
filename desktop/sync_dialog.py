"""Importing a sync file from the app: check it, show what it would change, then 导入 or 取消.

    flow = import_sync_file_interactive(self, engine, path, user=clerk,
                                        on_imported=self.refresh)

The file is checked completely off the GUI thread (desktop/tasks.run_task) and nothing is
written; the preview dialog then shows who sent it, and per unit how many figures are new,
changed, unchanged and in conflict, with the conflicts listed and why. 导入 applies it (checked
again, since the database may have changed meanwhile) in one transaction, again off the GUI
thread; the dialog then shows the outcome. A refused file shows its reasons and cannot be
imported. Catalogue update files and returns files (退回), both from the level above, are
recognised by their manifest and previewed on their own terms; DHIS2 files are imported with
``dhis2=True``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.checks import DISAGGREGATION_LABELS, format_number
from db.import_preview import ValueDiff, sync_value_diff
from db.models import OrgUnit
from db.progress import Progress
from db.sync.catalogue_update import LABELS as TABLE_LABELS
from db.sync.catalogue_update import CataloguePreview
from db.sync.preview import SyncPreview
from db.sync.preview_text import source_lines
from db.sync.returns_file import ReturnsPreview
from desktop.i18n import tr
from desktop.tasks import TaskHandle, run_task

Preview = SyncPreview | CataloguePreview | ReturnsPreview


class RowsModel(QAbstractTableModel):
    """Read-only rows of text under headers; numbers are right-aligned."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[object]],
                 parent: QObject | None = None, right: Sequence[int] = ()) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows = [list(row) for row in rows]
        self._right = set(right)  # columns of numbers written as text

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and (isinstance(value, int)
                                                          or index.column() in self._right):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None


def unit_rows(preview: SyncPreview) -> list[list[object]]:
    """One row per unit — name, new, changed, unchanged, conflict — and the total."""
    rows: list[list[object]] = []
    for unit, counts in preview.figures.items():
        rows.append([f"{preview.unit_names.get(unit, unit)}（{unit}）", counts.new,
                     counts.changed, counts.unchanged, counts.conflict])
    totals = preview.totals
    rows.append([tr("合计"), totals.new, totals.changed, totals.unchanged, totals.conflict])
    return rows


def conflict_rows(preview: SyncPreview) -> list[list[object]]:
    return [[c.unit, c.what + (f"（{DISAGGREGATION_LABELS.get(c.disaggregation, '')}）"
                               if c.disaggregation not in ("", "total") else ""),
             c.year, c.stored or tr("无"), c.incoming, c.reason] for c in preview.conflicts]


def value_rows(diff: ValueDiff) -> list[list[object]]:
    """One row per figure: unit, indicator, year, old → new, and what importing does to it."""
    rows: list[list[object]] = []
    for v in diff.rows:
        what = v.name + (f"（{DISAGGREGATION_LABELS.get(v.disaggregation, v.disaggregation)}）"
                         if v.disaggregation not in ("", "total") else "")
        old = _shown(v.old) if v.old is not None else "—"
        outcome = change_words().get(v.change, v.change_text) + (f"：{v.reason}" if v.reason
                                                                  else "")
        rows.append([v.unit_name, what, v.year, old, _shown(v.new), outcome])
    return rows


def _shown(value: float | str) -> str:
    # 不适用 / 待核实 arrive as their words (db/import_preview.py).
    return value if isinstance(value, str) else format_number(value)


VALUE_HEADERS = ("单位", "指标", "年份", "原值", "新值", "结果")


def change_words() -> dict[str, str]:
    """db/import_preview.CHANGE_WORDS in the interface language."""
    return {"new": tr("新增"), "changed": tr("更新"), "unchanged": tr("相同"),
            "conflict": tr("冲突（保留本级数据）")}


def value_headers() -> list[str]:
    return [tr("单位"), tr("指标"), tr("年份"), tr("原值"), tr("新值"), tr("结果")]


class SyncPreviewDialog(QDialog):
    """What a file would change (or why it is refused), with 导入 and 取消."""

    def __init__(self, preview: Preview, parent: QWidget | None = None,
                 diff: ValueDiff | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.diff = diff
        self.setWindowTitle(tr("导入交换文件") if isinstance(preview, SyncPreview)
                            else tr("导入退回文件") if isinstance(preview, ReturnsPreview)
                            else tr("导入目录更新"))
        self.resize(900, 640)
        layout = QVBoxLayout(self)
        self.header = QLabel(self._header_text())
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.header)
        self.table = QTableView()
        self.table.setModel(self._main_model())
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1 if diff is not None and diff.rows else 3)
        # The per-unit rows stay readable beside a long list of figures (up to ~6 rows).
        rows = min(self.table.model().rowCount(), 6)
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height()
                                    + rows * self.table.verticalHeader().defaultSectionSize() + 4)
        self.values = QTableView()
        self.values.verticalHeader().hide()
        if diff is not None and diff.rows:
            self.values.setModel(RowsModel(value_headers(), value_rows(diff), self,
                                           right=(3, 4)))
            self.values.horizontalHeader().setSectionResizeMode(
                1, QHeaderView.ResizeMode.Stretch)
            more = tr("（另有 {n} 项未列出）").format(n=diff.more) if diff.more > 0 else ""
            self.values_label = QLabel(tr("逐项数据：导入后原值将改为新值{more}").format(more=more))
            layout.addWidget(self.values_label)
            layout.addWidget(self.values, 4)
        self.details = QTableView()
        self.details.verticalHeader().hide()
        self.findings = QPlainTextEdit()
        self.findings.setReadOnly(True)
        if isinstance(preview, SyncPreview) and preview.conflicts:
            self.details.setModel(RowsModel([tr("单位"), tr("指标"), tr("年份"), tr("本级"),
                                             tr("文件"), tr("原因")],
                                            conflict_rows(preview), self))
            self.details.horizontalHeader().setStretchLastSection(True)
            layout.addWidget(QLabel(tr("冲突 {n} 处：这些数据不导入，保留本级数据。"
                                       "其余数据照常导入。").format(n=preview.conflict_total)))
            layout.addWidget(self.details, 2)
        if isinstance(preview, SyncPreview) and preview.refused:
            self.table.hide()
            messages = [f.message for found in preview.report.findings.values() for f in found]
            more = preview.findings_total - len(messages)
            self.findings.setPlainText("\n".join(messages) + (
                "\n" + tr("……另有 {n} 处未列出。").format(n=more) if more > 0 else ""))
            layout.addWidget(self.findings, 3)
        elif isinstance(preview, SyncPreview) and preview.warnings:
            # The 30% rule and warning 审核公式: imported, but to be explained before submission.
            more = preview.warnings_total - len(preview.warnings)
            self.findings.setPlainText("\n".join(f.message for f in preview.warnings) + (
                "\n" + tr("……另有 {n} 处未列出。").format(n=more) if more > 0 else ""))
            layout.addWidget(QLabel(tr("需说明的变化 {n} 处：照常导入，上报前须在备注中说明原因。")
                                    .format(n=preview.warnings_total)))
            layout.addWidget(self.findings, 2)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        layout.addWidget(self.outcome)
        self.buttons = QDialogButtonBox()
        self.import_button: QPushButton = self.buttons.addButton(
            tr("导入"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button: QPushButton = self.buttons.addButton(
            tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        blocked = self._blocked_reason()
        if blocked:
            self.import_button.hide()
            self.cancel_button.setText(tr("关闭"))
            self.outcome.setText(blocked)

    def _header_text(self) -> str:
        p = self.preview
        if isinstance(p, ReturnsPreview):
            return returns_header(p)
        if isinstance(p, CataloguePreview):
            return (tr("文件：{file}<br>发布单位：{name}（{code}），签名有效<br>"
                       "目录版本：{version}（本机：{current}）<br>").format(
                           file=p.path.name, name=p.sender_name, code=p.sender_unit,
                           version=p.version, current=p.current_version or "-")
                    + tr("已填报的数据不受影响：指标只增不删，有进展记录的目标保留。"))
        lines = source_lines(p)
        known = p.unit_names.get(p.sender_unit or "")
        if p.sender_unit and known and p.sender_name and known != p.sender_name:
            lines.append(tr("注意：文件中的单位名称“{file}”与本级登记的“{here}”（{code}）不一致，"
                            "请与对方核对单位设置。").format(file=p.sender_name, here=known,
                                                   code=p.sender_unit))
        if p.new_units:
            lines.append(tr("新增单位 {n} 个：").format(n=len(p.new_units))
                         + "、".join(name for _, name in p.new_units[:8])
                         + (tr("等") if len(p.new_units) > 8 else ""))
        for text in p.unit_events:  # db/sync/unit_events.py: applied with the figures
            lines.append(tr("区划变更：{event}").format(event=escape(text)))
        if p.progress.total:
            lines.append(tr("目标进展：新增 {new}，更新 {changed}，相同 {same}，冲突 {conflict}")
                         .format(new=p.progress.new, changed=p.progress.changed,
                                 same=p.progress.unchanged, conflict=p.progress.conflict))
        if p.audit_new or p.audit_known:
            lines.append(tr("修改记录：新增 {new} 条，已有 {known} 条").format(
                new=p.audit_new, known=p.audit_known))
        if p.already_imported is not None:
            when = p.already_imported.astimezone()
            lines.append(tr("提醒：此文件已于 {when} 导入过。").format(
                when=f"{when:%Y-%m-%d %H:%M}"))
        return "<br>".join(lines)

    def _main_model(self) -> RowsModel:
        p = self.preview
        if isinstance(p, ReturnsPreview):
            return RowsModel([tr("新的退回（导入后相应数据改回草稿，并在表格中标出）")],
                             [[line] for line in p.new], self)
        if isinstance(p, CataloguePreview):
            rows = [[TABLE_LABELS[name], c.new, c.changed, c.unchanged, c.removed, c.kept]
                    for name, c in p.tables.items()]
            return RowsModel([tr("内容"), tr("新增"), tr("修改"), tr("相同"), tr("删除"),
                              tr("保留")], rows, self)
        return RowsModel([tr("单位"), tr("新增"), tr("更新"), tr("相同"), tr("冲突")],
                         unit_rows(p), self)

    def _blocked_reason(self) -> str:
        p = self.preview
        if isinstance(p, ReturnsPreview):
            return tr("没有新的退回内容，无需导入。") if p.changes == 0 else ""
        if isinstance(p, CataloguePreview):
            return tr("本机已是该目录版本，无需导入。") if p.up_to_date else ""
        if p.refused:
            return tr("文件有 {n} 处错误，不能导入。请让对方更正后重新导出。").format(
                n=p.findings_total)
        if p.changes == 0:
            return tr("没有需要导入的变化。")
        return ""

    def show_outcome(self, result: Preview) -> None:
        """After 导入: what was written, and where the copy of the database went."""
        self.import_button.hide()
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(tr("关闭"))
        copy = (tr("导入前的数据库副本：{path}").format(path=result.backup_path)
                if result.backup_path else "")
        if result.applied:
            if isinstance(result, SyncPreview):
                self.outcome.setText(imported_text(result) + copy)
            elif isinstance(result, ReturnsPreview):
                self.outcome.setText(tr("已导入：退回的数据已改回草稿，并在填报表格中标出，"
                                        "请按原因更正后重新上报。") + copy)
            else:
                self.outcome.setText(tr("已导入目录更新 {version}。").format(
                    version=result.version) + copy)
        else:
            self.outcome.setText(tr("没有写入任何数据（文件内容与本机相同）。"))


def returns_header(p: ReturnsPreview) -> str:
    """Who returned what: the returns file's header in the preview dialog."""
    lines = [tr("文件：{file}").format(file=escape(p.path.name)),
             tr("退回单位：{name}（{code}），签名有效").format(name=escape(p.sender_name),
                                                     code=p.sender_unit)]
    lines.append(tr("新的退回 {new} 条，上级已关闭 {closed} 条，无变化 {same} 条").format(
        new=len(p.new), closed=p.closed, same=p.unchanged))
    return "<br>".join(lines)


def imported_text(result: SyncPreview) -> str:
    """What an import wrote, said so that a conflict never reads as "nothing imported"."""
    totals = result.totals
    text = tr("已导入 {n} 项数据：新增 {new}，更新 {changed}，与本级相同 {same}。").format(
        n=totals.new + totals.changed, new=totals.new, changed=totals.changed,
        same=totals.unchanged)
    if totals.conflict:
        text += tr("另有 {n} 项与本级冲突，保留了本级数据。").format(n=totals.conflict)
    if result.returns_closed:
        text += tr("退回已关闭 {n} 条（下级已更正）。").format(n=result.returns_closed)
    return text


Checked = tuple[Preview, ValueDiff | None]


def preview_work(engine: Engine, path: Path, dhis2: bool) -> Callable[[Progress], Checked]:
    """Check a file without writing, in its own Session (desktop/tasks.py), and compare its
    figures one by one with the stored ones (db/import_preview.py)."""

    def work(progress: Progress) -> Checked:
        preview = _check_or_apply(engine, path, dhis2, progress, dry_run=True, user="")
        diff = None
        if isinstance(preview, SyncPreview) and not preview.refused and not dhis2:
            with Session(engine) as session:
                diff = sync_value_diff(session, preview)
                # The sender's name here, to compare with the file's even if it sent no figures.
                sender = session.get(OrgUnit, preview.sender_unit or "")
                if sender is not None:
                    preview.unit_names.setdefault(sender.code, sender.name)
        return preview, diff

    return work


def apply_work(engine: Engine, path: Path, dhis2: bool,
               user: str) -> Callable[[Progress], Preview]:
    def work(progress: Progress) -> Preview:
        return _check_or_apply(engine, path, dhis2, progress, dry_run=False, user=user)

    return work


def _check_or_apply(engine: Engine, path: Path, dhis2: bool, progress: Progress, *,
                    dry_run: bool, user: str) -> Preview:
    from db.sync.format import open_container

    with Session(engine) as session:
        if dhis2:
            from db.sync.dhis2 import import_dhis2_file

            return import_dhis2_file(session, path, user=user, dry_run=dry_run,
                                     progress=progress.report, cancel=progress.cancelled)
        with open_container(path) as container:
            kind = container.manifest.kind
        if kind == "returns":
            from db.sync.returns_file import import_returns_file

            return import_returns_file(session, path, user=user, dry_run=dry_run)
        if kind == "catalogue":
            from db.sync.catalogue_update import import_catalogue_update

            return import_catalogue_update(session, path, user=user, dry_run=dry_run)
        from db.sync.import_ import import_sync_file

        return import_sync_file(session, path, user=user, dry_run=dry_run,
                                progress=progress.report, cancel=progress.cancelled)


class SyncImportFlow(QObject):
    """Check → preview dialog → import, each step on the GUI thread's terms.

    ``dialog`` is the preview once the check is done; ``result`` what the import did.
    ``finished`` is emitted when the flow ends (imported, refused, cancelled or failed).
    """

    finished = QtSignal()

    def __init__(self, parent: QWidget | None, engine: Engine, path: Path, dhis2: bool,
                 user: str, on_imported: Callable[[Preview], None] | None,
                 on_error: Callable[[BaseException], None] | None) -> None:
        super().__init__(parent)
        self._parent = parent
        self._engine = engine
        self._path = Path(path)
        self._dhis2 = dhis2
        self._user = user
        self._on_imported = on_imported
        self._on_error = on_error
        self.dialog: SyncPreviewDialog | None = None
        self.result: Preview | None = None
        self.task: TaskHandle[Any] | None = None
        self.key_dialog: QDialog | None = None

    def start(self) -> None:
        self.task = run_task(self._parent, tr("检查交换文件"),
                             preview_work(self._engine, self._path, self._dhis2),
                             self._previewed, self._failed)
        self.task.finished.connect(self._task_ended)

    def _task_ended(self) -> None:
        # Cancelled, or ended by a bug (reported by the task runner, not passed to _failed).
        if self.task is not None and self.dialog is None and (
                self.task.progress.cancelled() or self.task.crashed):
            self.finished.emit()

    def _failed(self, error: BaseException) -> None:
        from db.sync.format import SyncError

        if (isinstance(error, SyncError) and error.code == "unknown_key" and not self._dhis2
                and self.offer_registration()):
            return
        if self._on_error is not None:
            self._on_error(error)
        else:
            from desktop.tasks import show_task_error

            show_task_error(self._parent, tr("导入交换文件"), error)
        self.finished.emit()

    def offer_registration(self) -> bool:
        """The file's key is unknown here: show whose it claims to be, let the clerk compare
        the fingerprint by phone and register it; then check the file again. False when there
        is nothing to offer (the caller shows the refusal)."""
        from desktop.key_dialogs import KeyOfferDialog, load_offer

        offer = load_offer(self._engine, self._path)
        if offer is None:
            return False
        self.key_dialog = KeyOfferDialog(self._engine, offer, self._user, self._parent)
        self.key_dialog.registered.connect(self.start)
        self.key_dialog.rejected.connect(self.finished.emit)
        self.key_dialog.open()
        return True

    def _previewed(self, checked: Checked) -> None:
        preview, diff = checked
        self.dialog = SyncPreviewDialog(preview, self._parent, diff)
        self.dialog.accepted.connect(self._import)
        self.dialog.rejected.connect(self.finished.emit)
        self.dialog.open()

    def _import(self) -> None:
        assert self.dialog is not None
        # Keep the dialog up to show the outcome; accept() closed it.
        self.dialog.show()
        self.dialog.import_button.setEnabled(False)
        self.dialog.cancel_button.setEnabled(False)
        self.task = run_task(self.dialog, tr("导入交换文件"),
                             apply_work(self._engine, self._path, self._dhis2, self._user),
                             self._imported, self._failed)

    def _imported(self, result: Preview) -> None:
        self.result = result
        if self.dialog is not None:
            self.dialog.show_outcome(result)
            # Already disconnected: nothing to undo.
            with contextlib.suppress(RuntimeError, TypeError):
                self.dialog.accepted.disconnect(self._import)
            self.dialog.rejected.connect(self.finished.emit)
            self.dialog.accepted.connect(self.finished.emit)
        if self._on_imported is not None and result.applied:
            self._on_imported(result)


def import_sync_file_interactive(
    parent: QWidget | None,
    engine: Engine,
    path: Path,
    *,
    user: str = "",
    dhis2: bool = False,
    on_imported: Callable[[Preview], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> SyncImportFlow:
    """Check ``path``, show the preview, and import it if the clerk clicks 导入.

    ``on_imported`` runs on the GUI thread after a file changed the database (refresh the
    views there); ``on_error`` replaces the default message box for a refused file.
    """
    flow = SyncImportFlow(parent, engine, path, dhis2, user, on_imported, on_error)
    flow.start()
    return flow

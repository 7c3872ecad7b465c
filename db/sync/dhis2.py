"""Reading DHIS2 dataValueSet JSON files that use codes as identifiers (``--dhis2``).

A unit that exchanges with a DHIS2 instance exports from it with ``idScheme=CODE`` (so
``dataElement``, ``orgUnit`` and ``categoryOptionCombo`` are codes, not DHIS2's uids) and loads
the file here. DHIS2's documented layout::

    {"dataSet": "…", "completeDate": "2024-02-03", "period": "2023", "orgUnit": "211122",
     "dataValues": [{"dataElement": "live_births", "period": "2023",
                     "orgUnit": "211122100000", "categoryOptionCombo": "default",
                     "value": "118", "storedBy": "admin", "created": "…",
                     "lastUpdated": "2024-01-10T08:30:00.000", "comment": "", "followup": false}]}

``period`` and ``orgUnit`` of the set apply to values that omit them; the category option combo
``default`` is the total. DHIS2 has no signature, so such a file is trusted by the clerk who
imports it, and may only carry figures of this installation's own unit and the units below it
(db/import_scope.py, the rule of every import).
The checks, the preview and the all-or-nothing import are those of a sync file
(:func:`db.sync.apply.run_import`); figures arrive as drafts (草稿), like any other import, or
as submitted when the file says approved (approval is this level's decision); times later than
this clock are clamped (db/sync/compare.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.import_scope import writable_units
from db.progress import CancelCheck, ProgressCallback, never_cancelled, no_progress
from db.sync.apply import run_import
from db.sync.format import HashingReader, JsonStream, SyncError, file_sha256
from db.sync.keys import home_unit
from db.sync.preview import SyncPreview
from db.sync.reading import Source

# A DHIS2 file is read whole before checking (its values need not be grouped by unit); this
# bounds the memory that takes. A county's full export from DHIS2 is a few MB.
MAX_DHIS2_BYTES = 256 * 1024**2
_SET_DEFAULTS = ("period", "orgUnit")


def read_dhis2_values(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """``(position, value)`` for every data value of a dataValueSet file, set-level period and
    orgUnit filled in, grouped by orgUnit (stable within a unit). Raises :class:`SyncError`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        stream = path.open("rb")
    except OSError as error:
        raise SyncError("unreadable", f"无法读取文件 {path}：{error.strerror or error}") from None
    if size > MAX_DHIS2_BYTES:
        stream.close()
        raise SyncError("too_large", f"DHIS2 文件过大（超过 {MAX_DHIS2_BYTES // 1024**2} MB），"
                        "请分单位或分年份导出。")
    with stream:
        head = stream.read(4)
        stream.seek(0)
        if head.startswith(b"PK"):
            raise SyncError("not_dhis2",
                            "这是压缩文件，不是 DHIS2 的 JSON 文件。填报交换文件请不要加"
                            " --dhis2 选项。")
        reader = HashingReader(stream, MAX_DHIS2_BYTES)
        defaults: dict[str, Any] = {}
        values: list[tuple[int, Any]] = []
        seen_values = False
        for name, index, value in JsonStream(reader.read, frozenset({"dataValues"})).members():
            if name == "dataValues":
                seen_values = True
                if index is not None:
                    values.append((index, value))
            elif name in _SET_DEFAULTS and isinstance(value, str):
                defaults[name] = value
    if not seen_values:
        raise SyncError("not_dhis2", "这不是 DHIS2 的 dataValueSet 文件（没有 dataValues）。")
    grouped: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    for index, value in values:
        if isinstance(value, dict):
            for key, default in defaults.items():
                value.setdefault(key, default)
            unit = value.get("orgUnit")
        else:
            unit = None
        grouped[unit if isinstance(unit, str) else ""].append((index, value))
    return [item for unit in sorted(grouped) for item in grouped[unit]]


def import_dhis2_file(
    session: Session,
    path: Path,
    *,
    user: str = "",
    dry_run: bool = False,
    backup: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancelled,
) -> SyncPreview:
    """Check a DHIS2 dataValueSet file and, unless ``dry_run`` or anything is wrong, apply it."""
    home_unit(session)  # refused before the set-up chose this installation's unit
    allowed = writable_units(session) or set()
    values = read_dhis2_values(path)
    preview = SyncPreview(Path(path), "dhis2", dry_run=dry_run)
    preview.file_sha256 = file_sha256(Path(path))

    def records() -> Iterator[tuple[str, int, Any]]:
        for index, value in values:
            yield "dataValues", index, value

    source = Source(records(), allowed, None, None, strict=False, default_status="draft")
    return run_import(session, source, preview, user=user, dry_run=dry_run, backup=backup,
                      kind="dhis2", progress=progress, cancel=cancel, expected=len(values))

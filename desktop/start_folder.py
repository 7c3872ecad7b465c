"""Where a file dialog opens: the folder last used for that kind of file, else one that exists.

``QStandardPaths.DocumentsLocation`` names ``~/Documents`` even on a system without one; given a
missing folder, Qt's file dialog opens in the program's start folder with "Documents" typed in
as the file name, and a report written there fails after its whole progress bar. So every
suggestion here is a folder that exists now.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

_KEY = "folders/{kind}"


def existing_default_folder() -> Path:
    """Documents, else the desktop, else the home folder: the first that exists."""
    for location in (QStandardPaths.StandardLocation.DocumentsLocation,
                     QStandardPaths.StandardLocation.DesktopLocation):
        folder = QStandardPaths.writableLocation(location)
        if folder and Path(folder).is_dir():
            return Path(folder)
    return Path.home()


def start_folder(kind: str) -> Path:
    """The folder last used for ``kind`` (reports, excel, sync …) if it still exists."""
    remembered = QSettings().value(_KEY.format(kind=kind), "")
    if remembered and Path(str(remembered)).is_dir():
        return Path(str(remembered))
    return existing_default_folder()


def remember_folder(kind: str, folder: Path) -> None:
    QSettings().setValue(_KEY.format(kind=kind), str(folder))

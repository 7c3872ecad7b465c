"""Where file dialogs open (desktop/start_folder.py): always a folder that exists, so Qt never
opens the program's start folder with "Documents" typed in as a file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.start_folder import existing_default_folder, remember_folder, start_folder


def test_a_system_without_documents_gets_a_folder_that_exists(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("desktop.start_folder.QStandardPaths.writableLocation",
                        lambda _location: str(tmp_path / "Documents"))  # missing
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    assert existing_default_folder() == tmp_path
    assert start_folder("reports").is_dir()


def test_the_last_folder_is_remembered_per_kind_while_it_exists(tmp_path: Path) -> None:
    stick = tmp_path / "U盘"
    stick.mkdir()
    remember_folder("sync", stick)
    assert start_folder("sync") == stick
    assert start_folder("excel") != stick  # another kind of file, another memory
    stick.rmdir()  # the USB stick was pulled out
    assert start_folder("sync").is_dir() and start_folder("sync") != stick

"""Shared fixtures. Tests run Qt offscreen, against real SQLite files in tmp_path."""

import os
from pathlib import Path

import pytest

# Before anything imports Qt: CI and headless machines have no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a fresh SQLite database may be created (the file does not exist yet)."""
    return tmp_path / "tianbao.sqlite3"


@pytest.fixture(autouse=True)
def no_tianbao_db_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own TIANBAO_DB must never lead a test to their real data file."""
    monkeypatch.delenv("TIANBAO_DB", raising=False)

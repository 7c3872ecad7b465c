"""Inputs some tests read that are kept outside the repository (the published plan texts).

On a clone with nothing beside it those tests skip, saying what is missing and how to provide it.
Under CI (``CI`` set, as every CI service does) a missing input is a failure instead, so the
checks cannot silently stop running where they are meant to run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SEEDS_ENV_VAR = "TIANBAO_SEEDS"


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def seeds_folder() -> Path:
    """The plan texts: ``$TIANBAO_SEEDS``, else ``../shared/seeds`` beside the repository."""
    given = os.environ.get(SEEDS_ENV_VAR)
    if given:
        return Path(given).expanduser()
    return Path(__file__).resolve().parents[2] / "shared" / "seeds"


def require(path: Path, what: str) -> Path:
    """``path`` if it exists; otherwise skip (fail under CI) with the reason."""
    if path.exists():
        return path
    reason = (f"{what} not found at {path}: these tests need the published plan texts; "
              f"put them in ../shared/seeds or set {SEEDS_ENV_VAR}")
    if under_ci():
        pytest.fail(f"CI is set, so this input must be present: {reason}")
    pytest.skip(reason)


def seed_text(name: str) -> Path:
    """One published plan text of the seeds folder (skipped, or failed under CI, if absent)."""
    return require(seeds_folder() / name, f"the plan text {name}")

"""A county's own plan travels downward like the shipped ones (signed catalogue update)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sync_helpers import Installation, registered_pair

from db.catalogue import ensure_catalogue, read_catalogue, stored_version
from db.models import Goal, Plan, Target
from db.plan_draft.load import import_plan
from db.plan_draft.plan import PlanMeta, draft_plan
from db.sync.catalogue_update import import_catalogue_update, publish_catalogue
from tests.outside_inputs import seed_text


@pytest.fixture
def offices(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Installation, Installation]]:
    with registered_pair(tmp_path, tmp_path_factory, "panjin", "panshan") as pair:
        yield pair


def test_an_imported_plan_is_published_and_kept_below(
        offices: tuple[Installation, Installation]) -> None:
    upper, lower = offices
    lines = seed_text("002_ee507effcf6dec11.txt").read_text("utf-8").replace("镇原", "青禾")
    indicators = [i.model_dump() for i in read_catalogue().indicators.indicators]
    draft = draft_plan(lines.splitlines(), PlanMeta("621099", "青禾县", "county", "621000",
                                                    "庆阳市", "甘肃省"), indicators)
    assert not draft["unresolved"]
    import_plan(upper.session, draft, user="admin")

    path = upper.folder / "catalogue.tbsync"
    publish_catalogue(upper.session, path)
    result = import_catalogue_update(lower.session, path, user="县")
    assert result.applied
    plan = lower.session.get(Plan, "621099")
    assert plan is not None and plan.source_file.startswith("local:")
    targets = lower.session.scalars(
        select(Target).join(Goal).where(Goal.plan_code == "621099")).all()
    assert len(targets) == len(draft["targets"]) > 40
    # Starting the app again keeps it: the shipped catalogue has not changed since.
    version = stored_version(lower.session)
    assert ensure_catalogue(lower.session) is False
    assert stored_version(lower.session) == version

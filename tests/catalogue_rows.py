"""Catalogue rows for tests that build a database of their own, without the shipped catalogue."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import Domain, Indicator


def add_health_indicator(session: Session, code: str, name: str, *, kind: str, unit: str,
                         collected_at: str) -> None:
    """The domain 妇女与健康 and one indicator in it whose figures should fall."""
    session.add(Domain(key="health", name="妇女与健康", position=1))
    session.add(
        Indicator(
            code=code,
            name=name,
            domain_key="health",
            kind=kind,
            unit=unit,
            direction="lower",
            collected_at=collected_at,
        )
    )

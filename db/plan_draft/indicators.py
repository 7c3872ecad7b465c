"""The indicators a draft may map a plan's clauses to: this database's, with the aliases the
shipped catalogue gives them (the words plans use for the same quantity)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def indicator_dicts(session: Session) -> list[dict[str, Any]]:
    """This database's indicators with the aliases the shipped catalogue gives them."""
    from db.catalogue import read_catalogue
    from db.models import Indicator

    aliases = {i.code: list(i.aliases) for i in read_catalogue().indicators.indicators}
    return [{"code": i.code, "name": i.name, "domain": i.domain_key, "kind": i.kind,
             "unit": i.unit, "direction": i.direction, "numerator": i.numerator,
             "denominator": i.denominator, "factor": i.factor,
             "disaggregation": list(i.disaggregation or []), "collected_at": i.collected_at,
             "definition": i.definition, "explanation": i.explanation,
             "aliases": aliases.get(i.code) or [i.name]}
            for i in session.scalars(select(Indicator).order_by(Indicator.code))]

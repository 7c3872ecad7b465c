"""JSON as the standard defines it: no ``NaN``, ``Infinity`` or ``-Infinity``.

Python's json module writes those by default, and other programs (DHIS2, spreadsheets, ``jq``)
refuse the result. Every JSON the app writes goes through :func:`dumps` or passes
``allow_nan=False``; a figure that is not finite is written as ``null`` (no figure).
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(data: Any) -> Any:
    """``data`` with every float that is not finite replaced by None, in lists and dicts."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [finite(value) for value in data]
    return data


def dumps(data: Any, **options: Any) -> str:
    """``json.dumps`` of ``data`` with non-finite numbers as null; never writes ``Infinity``."""
    return json.dumps(finite(data), allow_nan=False, **options)

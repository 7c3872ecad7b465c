"""Small statistics on a handful of yearly figures, in plain floats.

``statistics.stdev`` computes with exact fractions, which is right for a library but costs a
quarter of a 10 000-figure import here; eleven yearly figures need nothing exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def sample_stdev(values: Sequence[float]) -> float:
    """The sample standard deviation (n − 1) of at least two values."""
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))

"""Which clauses of a goal name something measurable: the rules every plan is held to.

A clause is one comma-, semicolon- or full-stop-delimited part of a goal. Three wordings make
a clause measurable even when it has no number (docs/catalogue.md, "Every measurable clause"):

- ``trend``: a named quantity (…率, …比例, …占比, …人数, …覆盖面) with a direction word
  (逐步提高, 稳步提高, 明显降低, 增长 …), in either order: "参保人数逐步增长",
  "提高妇女失业保险和工伤保险参保人数";
- ``per_unit``: "每个/各…(至少)…一/1…", a count every unit must reach: "每个行政村建立一支以上
  巾帼志愿服务队", "党委、政府领导班子至少各配备1名女干部";
- ``coverage``: "全覆盖" (or "每个…都有…") of a named, countable thing.

Each such clause in the catalogue has a target or lists its reason under ``non_targets``
(tests/test_catalogue_complete.py); the drafting rules propose a target for each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CLAUSE = re.compile(r"[^，。；]+")

RISING = ("逐步提高", "稳步提高", "不断提高", "持续提高", "明显提高", "显著提高", "进一步提高",
          "有所提高", "得到提高", "全面提高", "不断提升", "逐步增长", "稳步增长", "增长", "提高",
          "延长", "增加", "扩大")
FALLING = ("明显降低", "逐步降低", "有效降低", "降低", "下降", "减少")
SLOWING = ("上升趋势减缓", "持续减缓")
DIRECTION = re.compile("|".join(sorted(RISING + FALLING + SLOWING, key=len, reverse=True)))
# A named quantity: what a statistic is "of". 效率 and 频率 are not statistics a plan tracks.
QUANTITY = re.compile(r"(?<!效)(?<!频)(率|比例|占比|比重|人数|覆盖面|预期寿命|受教育年限|素养水平)")
PER_UNIT = re.compile(r"(每个|每一个|各)[^，。；]*?(至少|[0-9０-９一两]+\s*(?:支|名|个|所))|"
                      r"至少各配备|领导班子[^，。；]*至少配备")
# "每个城乡社区都有…" is full coverage of the communities, as "全覆盖" is.
COVERAGE = re.compile(r"全覆盖|每个[^，。；]*都有")


@dataclass(frozen=True)
class Clause:
    kind: str  # trend | per_unit | coverage
    text: str
    start: int
    end: int
    direction: str = ""  # for trend: ">" rising, "<" falling; "change" for 上升趋势减缓

    def overlaps(self, start: int, end: int) -> bool:
        return start < self.end and self.start < end


def measurable_clauses(text: str) -> list[Clause]:
    """Every clause of ``text`` that names a measurable quantity in one of the three wordings.

    A clause that states a digit is a threshold and is handled by the number rules, so a
    trend here is always a clause without digits.
    """
    found = []
    for m in CLAUSE.finditer(text):
        body = m.group(0)
        start, end = m.start(), m.end()
        if PER_UNIT.search(body):
            found.append(Clause("per_unit", body, start, end))
            continue
        if COVERAGE.search(body):
            found.append(Clause("coverage", body, start, end))
            continue
        if re.search(r"[0-9０-９]", body):
            continue
        direction = DIRECTION.search(body)
        if direction and QUANTITY.search(body):
            word = direction.group(0)
            # "肥胖增长率持续减缓": the growth is what slows, so 减缓 decides.
            slowing = any(w in body for w in SLOWING)
            sign = "change" if slowing else ">" if word in RISING else "<"
            found.append(Clause("trend", body, start, end, sign))
    return found


_NUMBER_ONLY = re.compile(r"[0-9０-９.．/一二两三四五六七八九十百千半]+")


def is_clause(non_target: str) -> bool:
    """Whether a ``non_targets`` entry names a clause (a measurable clause left untracked)
    rather than a number as written ("70", "1/2", "半")."""
    return _NUMBER_ONLY.fullmatch(non_target) is None

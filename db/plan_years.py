"""The plan period, in one place: the Women's Development Plans run 2021–2030, measured against
their 2020 baseline, with a mid-term evaluation in 2025 and the final one in 2030."""

FIRST_YEAR = 2020  # the baseline year: the first year figures are entered for
MIDTERM_YEAR = 2025
LAST_YEAR = 2030  # the final evaluation
PLAN_YEARS = range(FIRST_YEAR, LAST_YEAR + 1)

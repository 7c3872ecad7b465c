"""PDF reports: the annual monitoring report, the mid-term and final evaluations, and the
comparison of a county's townships (or a city's counties). Never imports Qt."""

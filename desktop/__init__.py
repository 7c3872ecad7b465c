"""The desktop application: a thin Qt layer over `db/` and `reports/`."""

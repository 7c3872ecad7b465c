"""Reports (PDF, spreadsheets) built from the core. Never imports Qt."""

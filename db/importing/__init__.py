"""Writing figures in bulk from files: a values CSV (:mod:`.csv_values`), a filled data-entry
template (:mod:`.excel_template`, over the format in :mod:`.template_format`), both all or
nothing, reported line by line (:mod:`.report_lines`) and saved through :mod:`.bulk_save` or
:func:`db.figures.save_value`. The exchange files between levels are imported by db/sync/."""

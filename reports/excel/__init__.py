"""Excel workbooks: data-entry templates (填报模板) and their re-import, and the statistical
tables of the annual compilation (妇女统计资料). Plain Python over openpyxl; never imports Qt.

- :mod:`reports.excel.template` — export a template for a unit (and year, or one department);
- :mod:`reports.excel.template_import` — check a filled template and import it, all or nothing;
- :mod:`reports.excel.tables` — every unit × indicator × year as printable tables;
- :mod:`reports.excel.bulk_save` — :func:`db.figures.save_value` for thousands of figures at once;
- :mod:`reports.excel.common` — what they share: errors, the unit and the plan's indicators,
  styles, print setup, atomic saving.

See docs/excel.md.
"""

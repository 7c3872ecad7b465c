"""Excel workbooks: data-entry templates (填报模板) and the statistical tables of the annual
compilation (妇女统计资料). Plain Python over openpyxl; never imports Qt. Only output: a filled
template is imported by :mod:`db.importing.excel_template`.

- :mod:`reports.excel.template` — export a template for a unit (and year, or one department);
- :mod:`reports.excel.tables` — every unit × indicator × year as printable tables;
- :mod:`reports.excel.common` — what they share: errors, the unit and the plan's indicators,
  styles, print setup, atomic saving.

See docs/excel.md.
"""

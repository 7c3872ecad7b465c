"""指标解释 printed where clerks and readers meet the figures: the Excel template's 填表说明
sheet and the annual report's annex 附件：指标解释 (read back with openpyxl and poppler)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from db.demo import fill_demo
from reports.excel.template import INSTRUCTIONS_SHEET, build_template
from reports.pdf.annual import build_annual_report
from tests.demo_county import PANSHAN


def test_the_template_instructions_explain_every_indicator_it_asks_for(
    county: Session, tmp_path: Path
) -> None:
    path = tmp_path / "模板.xlsx"
    build_template(county, PANSHAN, 2023, path)
    wb = load_workbook(path)
    text = "\n".join(str(c.value) for c in wb[INSTRUCTIONS_SHEET]["A"] if c.value)
    annex = text[text.index("指标解释"):]
    assert "孕产妇死亡率" in annex and "计算方法：孕产妇死亡率 = 孕产妇死亡数 ÷ 活产数" in annex
    assert "统计来源：妇幼卫生年报" in annex and "报送部门：卫生健康局" in annex
    assert "统计时段：妇幼卫生年报统计年度：上年10月1日至本年9月30日" in annex
    # The raw counts a clerk types are explained too (活产数 is a denominator).
    assert re.search(r"\d+\. 活产数\n含义：", annex)
    assert "计量单位：" in annex


def test_the_annual_report_ends_with_the_indicator_annex(county: Session, tmp_path: Path) -> None:
    fill_demo(county, PANSHAN, 2, range(2020, 2024), seed=7)
    out = tmp_path / "年度报告.pdf"
    build_annual_report(county, PANSHAN, 2023, out)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    annex = re.sub(r"\s+", "", text[text.index("附件：指标解释"):])
    assert text.index("审核签字") < text.index("附件：指标解释")  # after the signature block
    for words in ("孕产妇死亡率", "含义", "计算方法", "孕产妇死亡率=孕产妇死亡数÷活产数×100000",
                  "计量单位", "统计来源", "妇幼卫生年报", "报送部门", "统计时段",
                  "上年10月1日至本年9月30日", "九年义务教育巩固率", "教育统计", "活产数"):
        assert words in annex, words

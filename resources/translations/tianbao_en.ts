<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>Tianbao</name>
    <message>
        <source>填报 — 妇女发展规划监测</source>
        <translation>Tianbao — Women's Development Plan Monitoring</translation>
    </message>
    <message>
        <source>文件(&amp;F)</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>编辑(&amp;E)</source>
        <translation>&amp;Edit</translation>
    </message>
    <message>
        <source>帮助(&amp;H)</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>设置(&amp;S)</source>
        <translation>&amp;Settings</translation>
    </message>
    <message>
        <source>界面语言</source>
        <translation>Interface language</translation>
    </message>
    <message>
        <source>界面语言将在重新启动程序后生效。</source>
        <translation>The interface language changes the next time the program starts.</translation>
    </message>
    <message>
        <source>生成报告……</source>
        <translation>Print report…</translation>
    </message>
    <message>
        <source>导出Excel填报模板……</source>
        <translation>Export Excel entry template…</translation>
    </message>
    <message>
        <source>导入填好的Excel模板……</source>
        <translation>Import filled Excel template…</translation>
    </message>
    <message>
        <source>备份与恢复……</source>
        <translation>Backups and restore…</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>关于填报</source>
        <translation>About Tianbao</translation>
    </message>
    <message>
        <source>撤销</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>重做</source>
        <translation>Redo</translation>
    </message>
    <message>
        <source>标记本年为已上报</source>
        <translation>Mark year as submitted</translation>
    </message>
    <message>
        <source>审核并锁定</source>
        <translation>Approve and lock</translation>
    </message>
    <message>
        <source>重新开放……</source>
        <translation>Reopen…</translation>
    </message>
    <message>
        <source>管理乡镇</source>
        <translation>Townships</translation>
    </message>
    <message>
        <source> 单位：</source>
        <translation> Unit: </translation>
    </message>
    <message>
        <source> 年份：</source>
        <translation> Year: </translation>
    </message>
    <message>
        <source> 年</source>
        <translation> </translation>
    </message>
    <message>
        <source>搜索指标</source>
        <translation>Search indicators</translation>
    </message>
    <message>
        <source>导航</source>
        <translation>Navigation</translation>
    </message>
    <message>
        <source>详细信息</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>尚未修改</source>
        <translation>No changes yet</translation>
    </message>
    <message>
        <source>总览</source>
        <translation>Overview</translation>
    </message>
    <message>
        <source>单位和年份</source>
        <translation>Unit and year</translation>
    </message>
    <message>
        <source>定性目标（{n}）</source>
        <translation>Qualitative goals ({n})</translation>
    </message>
    <message>
        <source>（草稿）</source>
        <translation>(draft)</translation>
    </message>
    <message>
        <source>（已上报）</source>
        <translation>(submitted)</translation>
    </message>
    <message>
        <source>（已审核，锁定）</source>
        <translation>(approved, locked)</translation>
    </message>
    <message>
        <source>已达标</source>
        <translation>Met</translation>
    </message>
    <message>
        <source>未达标</source>
        <translation>Not met</translation>
    </message>
    <message>
        <source>预警</source>
        <translation>At risk</translation>
    </message>
    <message>
        <source>无数据</source>
        <translation>No data</translation>
    </message>
    <message>
        <source>不适用</source>
        <translation>Not applicable</translation>
    </message>
    <message>
        <source>妇女与健康</source>
        <translation>Health</translation>
    </message>
    <message>
        <source>妇女与教育</source>
        <translation>Education</translation>
    </message>
    <message>
        <source>妇女与经济</source>
        <translation>Economy</translation>
    </message>
    <message>
        <source>妇女参与决策和管理</source>
        <translation>Decision-making</translation>
    </message>
    <message>
        <source>妇女与社会保障</source>
        <translation>Social security</translation>
    </message>
    <message>
        <source>妇女与家庭建设</source>
        <translation>Family</translation>
    </message>
    <message>
        <source>妇女与环境</source>
        <translation>Environment</translation>
    </message>
    <message>
        <source>妇女与法律</source>
        <translation>Law</translation>
    </message>
    <message>
        <source>指标</source>
        <translation>Indicator</translation>
    </message>
    <message>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>目标</source>
        <translation>Target</translation>
    </message>
    <message>
        <source>上年</source>
        <translation>Last year</translation>
    </message>
    <message>
        <source>本年</source>
        <translation>This year</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>分子</source>
        <translation>Numerator</translation>
    </message>
    <message>
        <source>分母</source>
        <translation>Denominator</translation>
    </message>
    <message>
        <source>女</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>男</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Comment</translation>
    </message>
    <message>
        <source>领域</source>
        <translation>Domain</translation>
    </message>
    <message>
        <source>条</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>进展</source>
        <translation>Progress</translation>
    </message>
    <message>
        <source>佐证材料</source>
        <translation>Evidence</translation>
    </message>
    <message>
        <source>未开展</source>
        <translation>Not started</translation>
    </message>
    <message>
        <source>推进中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <source>已完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>未填报</source>
        <translation>Not reported</translation>
    </message>
    <message>
        <source>各领域目标达标情况</source>
        <translation>Targets by domain</translation>
    </message>
    <message>
        <source>预警清单</source>
        <translation>Early warnings</translation>
    </message>
    <message>
        <source>下级单位填报与达标情况</source>
        <translation>Units below: reporting and targets</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>代码</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>完整度</source>
        <translation>Completeness</translation>
    </message>
    <message>
        <source>&lt;b&gt;{unit} {year}年&lt;/b&gt;　数据完整度：{filled}/{expected}（{share}）　预警：{warnings}项</source>
        <translation>&lt;b&gt;{unit} {year}&lt;/b&gt;　Completeness: {filled}/{expected} ({share})　Warnings: {warnings}</translation>
    </message>
    <message>
        <source>请在左侧表格中选择一个指标</source>
        <translation>Select an indicator in the grid</translation>
    </message>
    <message>
        <source>重点工程第{n}条</source>
        <translation>Key project {n}</translation>
    </message>
    <message>
        <source>主要目标第{n}条</source>
        <translation>Main goal {n}</translation>
    </message>
    <message>
        <source>牵头单位：</source>
        <translation>Lead: </translation>
    </message>
    <message>
        <source>责任单位：</source>
        <translation>Responsible: </translation>
    </message>
    <message>
        <source>（无补充定义）</source>
        <translation>(no further definition)</translation>
    </message>
    <message>
        <source>无预警</source>
        <translation>No warnings</translation>
    </message>
    <message>
        <source>导出交换文件（报送上级）……</source>
        <translation>Export sync file (to the level above)…</translation>
    </message>
    <message>
        <source>导入交换文件……</source>
        <translation>Import sync file…</translation>
    </message>
</context>
</TS>

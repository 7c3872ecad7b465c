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
    <message>
        <source>软件版本</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>指标目录版本</source>
        <translation>Catalogue version</translation>
    </message>
    <message>
        <source>数据库</source>
        <translation>Database</translation>
    </message>
    <message>
        <source>备份文件夹</source>
        <translation>Backup folder</translation>
    </message>
    <message>
        <source>日志文件夹</source>
        <translation>Log folder</translation>
    </message>
    <message>
        <source>运行环境</source>
        <translation>Runtime</translation>
    </message>
    <message>
        <source>界面字体</source>
        <translation>Interface font</translation>
    </message>
    <message>
        <source>字体许可证</source>
        <translation>Font licence</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>本机密钥指纹</source>
        <translation>This PC's key fingerprint</translation>
    </message>
    <message>
        <source>妇女发展规划（2021—2030年）监测数据填报，离线桌面版</source>
        <translation>Monitoring data for the Women's Development Plan (2021–2030), offline desktop edition</translation>
    </message>
    <message>
        <source>{font} 许可证</source>
        <translation>{font} licence</translation>
    </message>
    <message>
        <source>填报</source>
        <translation>Tianbao</translation>
    </message>
    <message>
        <source>导出Excel填报模板</source>
        <translation>Export Excel entry template</translation>
    </message>
    <message>
        <source>Excel 工作簿 (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <source>导出Excel模板</source>
        <translation>Exporting the Excel template</translation>
    </message>
    <message>
        <source>检查Excel</source>
        <translation>Checking the Excel file</translation>
    </message>
    <message>
        <source>导出交换文件（报送上级）</source>
        <translation>Export sync file (to the level above)</translation>
    </message>
    <message>
        <source>填报交换文件 (*.tbsync);;所有文件 (*)</source>
        <translation>Tianbao sync file (*.tbsync);;All files (*)</translation>
    </message>
    <message>
        <source>导出交换文件</source>
        <translation>Exporting the sync file</translation>
    </message>
    <message>
        <source>导入交换文件</source>
        <translation>Import sync file</translation>
    </message>
    <message>
        <source>填报交换文件 (*.tbsync *.zip);;DHIS2 dataValueSet (*.json);;所有文件 (*)</source>
        <translation>Tianbao sync file (*.tbsync *.zip);;DHIS2 dataValueSet (*.json);;All files (*)</translation>
    </message>
    <message>
        <source>导入填好的Excel模板</source>
        <translation>Import filled Excel template</translation>
    </message>
    <message>
        <source>模板已导出：{path}（{n}行）</source>
        <translation>Template exported: {path} ({n} rows)</translation>
    </message>
    <message>
        <source>导入结果</source>
        <translation>Import result</translation>
    </message>
    <message>
        <source>Excel文件有错误，未导入任何数据</source>
        <translation>The Excel file has errors; nothing was imported</translation>
    </message>
    <message>
        <source>文件：{file}
模板：{unit}（{code}）{year}年</source>
        <translation>File: {file}
Template: {unit} ({code}), {year}</translation>
    </message>
    <message>
        <source>交换文件已导出：{path}（数据{n}条）</source>
        <translation>Sync file exported: {path} ({n} figures)</translation>
    </message>
    <message>
        <source>已取消导入，数据库未作改动</source>
        <translation>Import cancelled; the database is unchanged</translation>
    </message>
    <message>
        <source>已从Excel导入数据：写入 {n} 项</source>
        <translation>Imported from Excel: {n} figures written</translation>
    </message>
    <message>
        <source>导入Excel</source>
        <translation>Importing the Excel file</translation>
    </message>
    <message>
        <source>立即重启</source>
        <translation>Restart now</translation>
    </message>
    <message>
        <source>稍后</source>
        <translation>Later</translation>
    </message>
    <message>
        <source>导入</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>将新增 {new} 项、更新 {changed} 项；{same} 项与库中相同，不作改动。点击“导入”后才写入。</source>
        <translation>{new} figures will be added and {changed} updated; {same} are the same as stored and stay as they are. Nothing is written until you click Import.</translation>
    </message>
    <message>
        <source>保存密钥登记文件……</source>
        <translation>Save key registration file…</translation>
    </message>
    <message>
        <source>首次报送前，把此文件交给上级，并在电话中读出上面的指纹</source>
        <translation>Before the first report, give this file to the level above and read out the fingerprint above by phone</translation>
    </message>
    <message>
        <source>已保存</source>
        <translation>Saved</translation>
    </message>
    <message>
        <source>登记发送单位的密钥</source>
        <translation>Register the sender's key</translation>
    </message>
    <message>
        <source>指纹一致，登记</source>
        <translation>Fingerprints match, register</translation>
    </message>
    <message>
        <source>交换文件已导出</source>
        <translation>Sync file exported</translation>
    </message>
    <message>
        <source>第一次报送时，上级需要登记本机的密钥：请在电话中向对方读出以下指纹。</source>
        <translation>The first time, the level above registers this PC's key: read out this fingerprint to them by phone.</translation>
    </message>
    <message>
        <source>（尚未设定本机单位）</source>
        <translation>(this PC's unit is not set yet)</translation>
    </message>
    <message>
        <source>保存密钥登记文件</source>
        <translation>Save key registration file</translation>
    </message>
    <message>
        <source>密钥登记文件 (*.tbkey)</source>
        <translation>Key registration file (*.tbkey)</translation>
    </message>
    <message>
        <source>文件中的密钥指纹：</source>
        <translation>Key fingerprint in the file:</translation>
    </message>
    <message>
        <source>请打电话给对方，请对方打开“帮助 → 关于填报”读出本机密钥指纹，逐组核对以上30位数字。完全一致才能登记；不一致时请勿登记，并联系对方。</source>
        <translation>Call the sender, ask them to open Help → About and read out their key fingerprint, and compare all 30 digits group by group. Register only if they match exactly; if not, do not register and contact them.</translation>
    </message>
    <message>
        <source>无法保存</source>
        <translation>Cannot save</translation>
    </message>
    <message>
        <source>密钥登记文件已保存：{path}

请把它连同第一个交换文件交给上级，并在电话中读出指纹：{fingerprint}</source>
        <translation>Key registration file saved: {path}

Give it to the level above with the first sync file, and read out the fingerprint by phone: {fingerprint}</translation>
    </message>
    <message>
        <source>文件“{file}”来自 {name}（{code}），其签名密钥尚未在本机登记。</source>
        <translation>The file “{file}” comes from {name} ({code}), whose signing key is not registered on this PC.</translation>
    </message>
    <message>
        <source>未登记</source>
        <translation>Not registered</translation>
    </message>
    <message>
        <source>交换文件已保存：{path}</source>
        <translation>Sync file saved: {path}</translation>
    </message>
    <message>
        <source>注意：文件中的单位名称为“{file}”，本级登记为“{here}”。</source>
        <translation>Note: the file names the unit “{file}”; here it is registered as “{here}”.</translation>
    </message>
    <message>
        <source>使用手册</source>
        <translation>Manual</translation>
    </message>
    <message>
        <source>在浏览器中打开</source>
        <translation>Open in browser</translation>
    </message>
    <message>
        <source>年度监测报告</source>
        <translation>Annual monitoring report</translation>
    </message>
    <message>
        <source>中期评估报告（2025年）</source>
        <translation>Mid-term evaluation (2025)</translation>
    </message>
    <message>
        <source>终期评估报告（2030年）</source>
        <translation>Final evaluation (2030)</translation>
    </message>
    <message>
        <source>下级单位对比报告</source>
        <translation>Comparison of units below</translation>
    </message>
    <message>
        <source>生成报告</source>
        <translation>Print report</translation>
    </message>
    <message>
        <source>报告：</source>
        <translation>Report:</translation>
    </message>
    <message>
        <source>年份：</source>
        <translation>Year:</translation>
    </message>
    <message>
        <source>浏览……</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>保存到：</source>
        <translation>Save to:</translation>
    </message>
    <message>
        <source>生成</source>
        <translation>Create</translation>
    </message>
    <message>
        <source>保存报告</source>
        <translation>Save report</translation>
    </message>
    <message>
        <source>PDF 文件 (*.pdf)</source>
        <translation>PDF file (*.pdf)</translation>
    </message>
    <message>
        <source>报告已生成</source>
        <translation>Report created</translation>
    </message>
    <message>
        <source>打开文件</source>
        <translation>Open file</translation>
    </message>
    <message>
        <source>打开所在文件夹</source>
        <translation>Open folder</translation>
    </message>
    <message>
        <source>报告已生成（共{pages}页）：
{path}</source>
        <translation>Report created ({pages} pages):
{path}</translation>
    </message>
    <message>
        <source>文件夹不存在：{folder}</source>
        <translation>The folder does not exist: {folder}</translation>
    </message>
    <message>
        <source>每日自动备份</source>
        <translation>Daily backup</translation>
    </message>
    <message>
        <source>手动备份</source>
        <translation>Manual backup</translation>
    </message>
    <message>
        <source>导入前</source>
        <translation>Before import</translation>
    </message>
    <message>
        <source>升级前</source>
        <translation>Before upgrade</translation>
    </message>
    <message>
        <source>恢复前</source>
        <translation>Before restore</translation>
    </message>
    <message>
        <source>恢复前（原文件移出）</source>
        <translation>Before restore (original moved away)</translation>
    </message>
    <message>
        <source>备份文件</source>
        <translation>Backup file</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>单位数</source>
        <translation>Units</translation>
    </message>
    <message>
        <source>数据条数</source>
        <translation>Figures</translation>
    </message>
    <message>
        <source>最近填报</source>
        <translation>Last entry</translation>
    </message>
    <message>
        <source>结构版本</source>
        <translation>Schema</translation>
    </message>
    <message>
        <source>大小</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>可恢复</source>
        <translation>Restorable</translation>
    </message>
    <message>
        <source>不可恢复</source>
        <translation>Not restorable</translation>
    </message>
    <message>
        <source>单位 {units} 个，数据 {figures} 条</source>
        <translation>{units} units, {figures} figures</translation>
    </message>
    <message>
        <source>用 {when} 的{reason}{who}替换当前数据库？

备份中有：{what}。

当前数据库会先自动备份，恢复后程序需要重新打开。</source>
        <translation>Replace the current database with the {reason}{who} of {when}?

The backup holds: {what}.

The current database is backed up first; the program reopens the database afterwards.</translation>
    </message>
    <message>
        <source>备份与恢复</source>
        <translation>Backup and restore</translation>
    </message>
    <message>
        <source>恢复所选备份……</source>
        <translation>Restore selected backup…</translation>
    </message>
    <message>
        <source>立即备份</source>
        <translation>Back up now</translation>
    </message>
    <message>
        <source>备份到其他位置……</source>
        <translation>Back up to another place…</translation>
    </message>
    <message>
        <source>例如U盘：电脑损坏时，数据仍在</source>
        <translation>A USB stick, for example: the data survives a broken PC</translation>
    </message>
    <message>
        <source>从其他文件恢复……</source>
        <translation>Restore from another file…</translation>
    </message>
    <message>
        <source>已备份</source>
        <translation>Backed up</translation>
    </message>
    <message>
        <source>选择备份文件</source>
        <translation>Choose a backup file</translation>
    </message>
    <message>
        <source>填报数据库 (*.sqlite3 *.db);;所有文件 (*)</source>
        <translation>Tianbao database (*.sqlite3 *.db);;All files (*)</translation>
    </message>
    <message>
        <source>恢复备份</source>
        <translation>Restoring the backup</translation>
    </message>
    <message>
        <source>确认恢复</source>
        <translation>Confirm restore</translation>
    </message>
    <message>
        <source>恢复</source>
        <translation>Restore</translation>
    </message>
    <message>
        <source>恢复完成</source>
        <translation>Restored</translation>
    </message>
    <message>
        <source>，最近填报于 {when}</source>
        <translation>, last entry {when}</translation>
    </message>
    <message>
        <source>选择备份位置（如U盘）</source>
        <translation>Choose where to back up (e.g. a USB stick)</translation>
    </message>
    <message>
        <source>无法恢复</source>
        <translation>Cannot restore</translation>
    </message>
    <message>
        <source>程序将重新打开数据库。</source>
        <translation>The program will reopen the database.</translation>
    </message>
    <message>
        <source>（与当前数据相同）</source>
        <translation> (same as the current data)</translation>
    </message>
    <message>
        <source>数据库：{db}
备份文件夹：{folder}
恢复前会先自动备份当前数据库，恢复后可以再换回来。加粗的一行与当前数据相同。</source>
        <translation>Database: {db}
Backup folder: {folder}
The current database is backed up before a restore, so it can be put back. The row in bold holds the same data as now.</translation>
    </message>
    <message>
        <source>无法备份</source>
        <translation>Cannot back up</translation>
    </message>
    <message>
        <source>已备份到 {path}</source>
        <translation>Backed up to {path}</translation>
    </message>
    <message>
        <source>此备份无法恢复：{problem}。</source>
        <translation>This backup cannot be restored: {problem}.</translation>
    </message>
    <message>
        <source>恢复前的数据库已保存为：{path}</source>
        <translation>The database before the restore was saved as: {path}</translation>
    </message>
    <message>
        <source>已恢复 {name}。</source>
        <translation>Restored {name}.</translation>
    </message>
    <message>
        <source>新增</source>
        <translation>New</translation>
    </message>
    <message>
        <source>更新</source>
        <translation>Updated</translation>
    </message>
    <message>
        <source>相同</source>
        <translation>Same</translation>
    </message>
    <message>
        <source>冲突（保留本级数据）</source>
        <translation>Conflict (kept the figure here)</translation>
    </message>
    <message>
        <source>年份</source>
        <translation>Year</translation>
    </message>
    <message>
        <source>原值</source>
        <translation>Old value</translation>
    </message>
    <message>
        <source>新值</source>
        <translation>New value</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>合计</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>没有需要导入的变化。</source>
        <translation>Nothing to import: no changes.</translation>
    </message>
    <message>
        <source>已导入 {n} 项数据：新增 {new}，更新 {changed}，与本级相同 {same}。</source>
        <translation>Imported {n} figures: {new} new, {changed} updated, {same} the same as here.</translation>
    </message>
    <message>
        <source>检查交换文件</source>
        <translation>Checking the sync file</translation>
    </message>
    <message>
        <source>无</source>
        <translation>none</translation>
    </message>
    <message>
        <source>导入目录更新</source>
        <translation>Import catalogue update</translation>
    </message>
    <message>
        <source>已填报的数据不受影响：指标只增不删，有进展记录的目标保留。</source>
        <translation>Entered figures are not affected: indicators are only added, and goals with progress records are kept.</translation>
    </message>
    <message>
        <source>冲突</source>
        <translation>Conflict</translation>
    </message>
    <message>
        <source>本机已是该目录版本，无需导入。</source>
        <translation>This PC already has this catalogue version; nothing to import.</translation>
    </message>
    <message>
        <source>没有写入任何数据（文件内容与本机相同）。</source>
        <translation>Nothing was written (the file holds what this PC holds).</translation>
    </message>
    <message>
        <source>另有 {n} 项与本级冲突，保留了本级数据。</source>
        <translation> {n} more conflicted with the figures here, which were kept.</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Content</translation>
    </message>
    <message>
        <source>修改</source>
        <translation>Changed</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Removed</translation>
    </message>
    <message>
        <source>保留</source>
        <translation>Kept</translation>
    </message>
    <message>
        <source>文件有 {n} 处错误，不能导入。请让对方更正后重新导出。</source>
        <translation>The file has {n} errors and cannot be imported. Ask the sender to correct them and export again.</translation>
    </message>
    <message>
        <source>导入前的数据库副本：{path}</source>
        <translation>Copy of the database before the import: {path}</translation>
    </message>
    <message>
        <source>（另有 {n} 项未列出）</source>
        <translation> ({n} more not listed)</translation>
    </message>
    <message>
        <source>逐项数据：导入后原值将改为新值{more}</source>
        <translation>Figure by figure: importing changes the old value to the new one{more}</translation>
    </message>
    <message>
        <source>本级</source>
        <translation>Here</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>文件：{file}&lt;br&gt;发布单位：{name}（{code}），签名有效&lt;br&gt;目录版本：{version}（本机：{current}）&lt;br&gt;</source>
        <translation>File: {file}&lt;br&gt;Published by: {name} ({code}), signature valid&lt;br&gt;Catalogue version: {version} (this PC: {current})&lt;br&gt;</translation>
    </message>
    <message>
        <source>注意：文件中的单位名称“{file}”与本级登记的“{here}”（{code}）不一致，请与对方核对单位设置。</source>
        <translation>Note: the unit name in the file, “{file}”, differs from “{here}” ({code}) registered here; check the unit settings with the sender.</translation>
    </message>
    <message>
        <source>等</source>
        <translation> and more</translation>
    </message>
    <message>
        <source>目标进展：新增 {new}，更新 {changed}，相同 {same}，冲突 {conflict}</source>
        <translation>Goal progress: {new} new, {changed} updated, {same} same, {conflict} conflicts</translation>
    </message>
    <message>
        <source>修改记录：新增 {new} 条，已有 {known} 条</source>
        <translation>Change records: {new} new, {known} already here</translation>
    </message>
    <message>
        <source>提醒：此文件已于 {when} 导入过。</source>
        <translation>Note: this file was already imported on {when}.</translation>
    </message>
    <message>
        <source>冲突 {n} 处：这些数据不导入，保留本级数据。其余数据照常导入。</source>
        <translation>{n} conflicts: these figures are not imported and the figures here are kept. Everything else is imported.</translation>
    </message>
    <message>
        <source>新增单位 {n} 个：</source>
        <translation>{n} new units: </translation>
    </message>
    <message>
        <source>已导入目录更新 {version}。</source>
        <translation>Catalogue update {version} imported.</translation>
    </message>
    <message>
        <source>……另有 {n} 处未列出。</source>
        <translation>… and {n} more not listed.</translation>
    </message>
    <message>
        <source>正在取消……</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>乡镇（街道）</source>
        <translation>township</translation>
    </message>
    <message>
        <source>县（市、区）</source>
        <translation>county</translation>
    </message>
    <message>
        <source>市</source>
        <translation>city</translation>
    </message>
    <message>
        <source>名称过长（最多64个字）。</source>
        <translation>The name is too long (at most 64 characters).</translation>
    </message>
    <message>
        <source>请填写12位统计用区划代码。</source>
        <translation>Enter the 12-digit statistical division code.</translation>
    </message>
    <message>
        <source>统计用区划代码只能由数字组成。</source>
        <translation>The statistical division code may only contain digits.</translation>
    </message>
    <message>
        <source>末三位应为000：以其他数字结尾的是村（居）委会的代码，不是乡镇（街道）的。</source>
        <translation>The last three digits must be 000: codes ending otherwise belong to villages, not townships.</translation>
    </message>
    <message>
        <source>请填写6位行政区划代码。</source>
        <translation>Enter the 6-digit administrative division code.</translation>
    </message>
    <message>
        <source>行政区划代码只能由数字组成。</source>
        <translation>The administrative division code may only contain digits.</translation>
    </message>
    <message>
        <source>以00结尾的是市的代码，不是县（市、区）的。</source>
        <translation>A code ending in 00 is a city's, not a county's.</translation>
    </message>
    <message>
        <source>市的代码应以00结尾（但不是0000）。</source>
        <translation>A city's code ends in 00 (but not 0000).</translation>
    </message>
    <message>
        <source>统计用区划代码：</source>
        <translation>Statistical division code:</translation>
    </message>
    <message>
        <source>行政区划代码：</source>
        <translation>Administrative division code:</translation>
    </message>
    <message>
        <source>名称：</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>添加</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>添加…</source>
        <translation>Add…</translation>
    </message>
    <message>
        <source>重命名…</source>
        <translation>Rename…</translation>
    </message>
    <message>
        <source>停用</source>
        <translation>Deactivate</translation>
    </message>
    <message>
        <source>已导出</source>
        <translation>Exported</translation>
    </message>
    <message>
        <source>重命名</source>
        <translation>Rename</translation>
    </message>
    <message>
        <source>请填写{noun}名称。</source>
        <translation>Enter the {noun}'s name.</translation>
    </message>
    <message>
        <source>统计用区划代码应为12位数字，现为{n}位。</source>
        <translation>The statistical division code has 12 digits; this has {n}.</translation>
    </message>
    <message>
        <source>代码应以所属县（市、区）的代码 {county} 开头。</source>
        <translation>The code must begin with the county's code {county}.</translation>
    </message>
    <message>
        <source>行政区划代码应为6位数字，现为{n}位。</source>
        <translation>The administrative division code has 6 digits; this has {n}.</translation>
    </message>
    <message>
        <source>代码应以上级单位代码的前{n}位 {prefix} 开头。</source>
        <translation>The code must begin with the first {n} digits of the parent's code, {prefix}.</translation>
    </message>
    <message>
        <source>例如 太平街道、沙岭镇</source>
        <translation>e.g. 太平街道, 沙岭镇</translation>
    </message>
    <message>
        <source>导出单位名单</source>
        <translation>Export unit list</translation>
    </message>
    <message>
        <source>单位名单 (*.tbunits)</source>
        <translation>Unit list (*.tbunits)</translation>
    </message>
    <message>
        <source>启用</source>
        <translation>Reactivate</translation>
    </message>
    <message>
        <source>“{name}”（{code}）的新名称：</source>
        <translation>New name for “{name}” ({code}):</translation>
    </message>
    <message>
        <source>添加{noun} — {parent}</source>
        <translation>Add {noun} — {parent}</translation>
    </message>
    <message>
        <source>下属{noun} — {unit}</source>
        <translation>Units below ({noun}) — {unit}</translation>
    </message>
    <message>
        <source>统计用区划代码</source>
        <translation>Statistical division code</translation>
    </message>
    <message>
        <source>行政区划代码</source>
        <translation>Administrative division code</translation>
    </message>
    <message>
        <source>导出{noun}名单…</source>
        <translation>Export {noun} list…</translation>
    </message>
    <message>
        <source>停用不会删除任何数据：已停用的{noun}保留全部已填数据，不再参与汇总，可随时启用。</source>
        <translation>Deactivating deletes nothing: a deactivated {noun} keeps all its figures, is left out of totals, and can be reactivated at any time.</translation>
    </message>
    <message>
        <source>无法导出</source>
        <translation>Cannot export</translation>
    </message>
    <message>
        <source>单位名单已保存：{path}（{n}个）。
请把它交给各乡镇：首次使用设置时选择“从单位名单选择”。</source>
        <translation>Unit list saved: {path} ({n} units).
Give it to each township: in the set-up wizard they choose “Choose from the unit list…”.</translation>
    </message>
    <message>
        <source>例如 {code}</source>
        <translation>e.g. {code}</translation>
    </message>
    <message>
        <source>统计用区划代码：12位数字，以{parent}的代码 {code} 开头。可在国家统计局网站“统计用区划和城乡划分代码”中查到。</source>
        <translation>Statistical division code: 12 digits beginning with {parent}'s code {code}. The National Bureau of Statistics publishes them (统计用区划和城乡划分代码).</translation>
    </message>
    <message>
        <source>行政区划代码（GB/T 2260）：6位数字，与{parent}的代码 {code} 前{n}位相同。</source>
        <translation>Administrative division code (GB/T 2260): 6 digits whose first {n} are those of {parent}'s code {code}.</translation>
    </message>
    <message>
        <source>在用</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>已停用</source>
        <translation>Deactivated</translation>
    </message>
    <message>
        <source>县</source>
        <translation>County</translation>
    </message>
    <message>
        <source>区</source>
        <translation>District</translation>
    </message>
    <message>
        <source>县级市</source>
        <translation>County-level city</translation>
    </message>
    <message>
        <source>地级市</source>
        <translation>Prefecture-level city</translation>
    </message>
    <message>
        <source>欢迎使用填报</source>
        <translation>Welcome to Tianbao</translation>
    </message>
    <message>
        <source>妇女发展规划（2021—2030年）监测数据的填报、汇总与评估</source>
        <translation>Entering, adding up and evaluating the monitoring figures of the Women's Development Plan (2021–2030)</translation>
    </message>
    <message>
        <source>填报用于记录本地区妇女发展规划各项主要目标的监测数据，自动评估是否达到目标值并给出预警。数据只保存在本机，不需要联网。

首次使用前，请确定本机为哪个单位填报。填报、汇总和报告都以这个单位为准。</source>
        <translation>Tianbao records the monitoring figures of the main goals of your area's Women's Development Plan, evaluates whether each target is met, and warns early. The data stays on this PC; no network is needed.

First, choose the unit this PC reports for. Entry, totals and reports all refer to it.</translation>
    </message>
    <message>
        <source>本地区（县、区、市）：妇儿工委办公室填报，并汇总下属乡镇（街道）的数据</source>
        <translation>This area (county, district, city): the office of the Working Committee on Women and Children enters figures and adds up its townships</translation>
    </message>
    <message>
        <source>乡镇（街道）：填报本乡镇（街道）的数据，报送县（市、区）汇总</source>
        <translation>A township: enters its own figures and sends them to its county</translation>
    </message>
    <message>
        <source>列表中是本软件已收录规划的地区。</source>
        <translation>The list shows the areas whose plans this program holds.</translation>
    </message>
    <message>
        <source>从单位名单选择……</source>
        <translation>Choose from the unit list…</translation>
    </message>
    <message>
        <source>县里“管理乡镇 → 导出乡镇名单”得到的文件</source>
        <translation>The file the county saved with Manage townships → Export list</translation>
    </message>
    <message>
        <source>请选择本乡镇（街道）</source>
        <translation>Choose your township</translation>
    </message>
    <message>
        <source>确认</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>点击“完成”后开始使用。</source>
        <translation>Click Finish to start.</translation>
    </message>
    <message>
        <source>本机为乡镇（街道）{name}（统计用区划代码 {code}）填报。

所属：{county}（{county_code}）
执行规划：《{title}》

填好的数据报送{county}汇总。</source>
        <translation>This PC reports for the township {name} (statistical division code {code}).

Belongs to: {county} ({county_code})
Plan: 《{title}》

Its figures are sent to {county} to be added up.</translation>
    </message>
    <message>
        <source>填报 — 首次使用设置</source>
        <translation>Tianbao — first-start set-up</translation>
    </message>
    <message>
        <source>地区</source>
        <translation>Area</translation>
    </message>
    <message>
        <source>级别</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>所属</source>
        <translation>Within</translation>
    </message>
    <message>
        <source>乡镇（街道）所属的县（市、区）：</source>
        <translation>The township's county:</translation>
    </message>
    <message>
        <source>本地区：</source>
        <translation>This area:</translation>
    </message>
    <message>
        <source>选择单位名单文件</source>
        <translation>Choose the unit list file</translation>
    </message>
    <message>
        <source>单位名单 (*.tbunits *.json);;所有文件 (*)</source>
        <translation>Unit list (*.tbunits *.json);;All files (*)</translation>
    </message>
    <message>
        <source>本机为 {name}（{level}，行政区划代码 {code}）填报。

执行规划：《{title}》
上级：{above}

之后可以添加下属乡镇（街道），汇总它们报送的数据。</source>
        <translation>This PC reports for {name} ({level}, administrative division code {code}).

Plan: 《{title}》
Above: {above}

You can then add its townships and add up what they send.</translation>
    </message>
    <message>
        <source>&lt; 上一步</source>
        <translation>&lt; Back</translation>
    </message>
    <message>
        <source>下一步 &gt;</source>
        <translation>Next &gt;</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>本机为哪个单位填报？</source>
        <translation>Which unit does this PC report for?</translation>
    </message>
    <message>
        <source>已读取{name}的单位名单：共 {n} 个乡镇（街道）。选择后名称和代码自动填好。</source>
        <translation>Read {name}'s unit list: {n} townships. Choosing one fills in its name and code.</translation>
    </message>
    <message>
        <source>所属{level}：{name}（{code}）</source>
        <translation>{level}: {name} ({code})</translation>
    </message>
    <message>
        <source>请填写本乡镇（街道）的名称和统计用区划代码。本乡镇（街道）执行《{title}》。</source>
        <translation>Enter the township's name and statistical division code. The township follows 《{title}》.</translation>
    </message>
    <message>
        <source>无法完成设置</source>
        <translation>Cannot finish the set-up</translation>
    </message>
    <message>
        <source>此名单属于{name}（{code}），不是所选的{chosen}（{chosen_code}）。请返回上一步选择{name}，或使用{chosen}的名单。</source>
        <translation>This list belongs to {name} ({code}), not to the chosen {chosen} ({chosen_code}). Go back and choose {name}, or use {chosen}'s list.</translation>
    </message>
    <message>
        <source>{name}的名单中没有乡镇（街道）。</source>
        <translation>{name}'s list holds no townships.</translation>
    </message>
    <message>
        <source>选择对方的登记文件……</source>
        <translation>Choose the sender's registration file…</translation>
    </message>
    <message>
        <source>选择对方的登记文件</source>
        <translation>Choose the sender's registration file</translation>
    </message>
    <message>
        <source>此登记文件的密钥（{code}，指纹 {fingerprint}）不是签署交换文件的密钥。</source>
        <translation>The key of this registration file ({code}, fingerprint {fingerprint}) is not the key that signed the sync file.</translation>
    </message>
    <message>
        <source>Apache License 2.0，或 GPL 3.0（含字体嵌入例外）</source>
        <translation>Apache License 2.0, or GPL 3.0 (with the font embedding exception)</translation>
    </message>
    <message>
        <source>（服务器数据库，请用数据库自身的备份工具）</source>
        <translation>(a server database: back it up with the database's own tools)</translation>
    </message>
    <message>
        <source>（安装包）</source>
        <translation> (installed package)</translation>
    </message>
    <message>
        <source>，</source>
        <translation>, </translation>
    </message>
    <message>
        <source>{label}：</source>
        <translation>{label}:</translation>
    </message>
    <message>
        <source>填报 — 登录</source>
        <translation>Tianbao — log in</translation>
    </message>
    <message>
        <source>用户名：</source>
        <translation>User name:</translation>
    </message>
    <message>
        <source>密码：</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <source>用户名或密码不正确。</source>
        <translation>Wrong user name or password.</translation>
    </message>
    <message>
        <source>多次登录失败，程序将关闭。请联系管理员。</source>
        <translation>Too many failed attempts; the program will close. Please contact your administrator.</translation>
    </message>
    <message>
        <source>下级汇总</source>
        <translation>Pooled below</translation>
    </message>
    <message>
        <source>已清除“{name}”；它也是{rows}的{part}，这些行的比率也已清空。</source>
        <translation>Cleared “{name}”; it is also the {part} of {rows}, so the rates of those rows are cleared too.</translation>
    </message>
    <message>
        <source>&lt;b&gt;{unit} {year}年&lt;/b&gt;　目标{targets}项：{counts}　｜　本年有数据的指标：{filled}/{expected}（{share}）</source>
        <translation>&lt;b&gt;{unit} {year}&lt;/b&gt;  {targets} targets: {counts}  |  indicators with figures this year: {filled}/{expected} ({share})</translation>
    </message>
    <message>
        <source>区划变更：{event}</source>
        <translation>Change of units: {event}</translation>
    </message>
    <message>
        <source>省</source>
        <translation>province</translation>
    </message>
    <message>
        <source>区划变更…</source>
        <translation>Change of units…</translation>
    </message>
    <message>
        <source>停用不会删除任何数据：已停用的{noun}保留全部已填数据，不再参与汇总，可随时启用。合并、拆分、更名等区划调整请用“区划变更”，自所选年份起生效，此前各年的汇总和报告不变。</source>
        <translation>Deactivating deletes nothing: a deactivated {noun} keeps all its figures, is left out of totals, and can be activated again at any time. For merges, splits and renames use “Change of units”: it takes effect from the chosen year, and earlier years’ totals and reports stay as they were.</translation>
    </message>
    <message>
        <source>指标解释</source>
        <translation>Indicator definition</translation>
    </message>
    <message>
        <source>导入本地规划……</source>
        <translation>Import a local plan…</translation>
    </message>
    <message>
        <source>选择规划文本</source>
        <translation>Choose the plan text</translation>
    </message>
    <message>
        <source>规划文本 (*.txt *.docx *.pdf)</source>
        <translation>Plan text (*.txt *.docx *.pdf)</translation>
    </message>
    <message>
        <source>添加目标值</source>
        <translation>Add a target</translation>
    </message>
    <message>
        <source>删除所选目标值</source>
        <translation>Delete the selected target</translation>
    </message>
    <message>
        <source>定义新指标……</source>
        <translation>Define a new indicator…</translation>
    </message>
    <message>
        <source>本条全部核对无误</source>
        <translation>All of this goal checked</translation>
    </message>
    <message>
        <source>保存到本机目录</source>
        <translation>Save to this PC’s catalogue</translation>
    </message>
    <message>
        <source>重点工程</source>
        <translation>Key projects</translation>
    </message>
    <message>
        <source>定义新指标</source>
        <translation>Define a new indicator</translation>
    </message>
    <message>
        <source>方向</source>
        <translation>Direction</translation>
    </message>
    <message>
        <source>导入本地规划</source>
        <translation>Import a local plan</translation>
    </message>
    <message>
        <source>已核对</source>
        <translation>Checked</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>比较</source>
        <translation>Comparison</translation>
    </message>
    <message>
        <source>数值</source>
        <translation>Value</translation>
    </message>
    <message>
        <source>原文</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>未能定位的数字或条款</source>
        <translation>Numbers or clauses not placed</translation>
    </message>
    <message>
        <source>不作为目标的理由</source>
        <translation>Reason it is not a target</translation>
    </message>
    <message>
        <source>规划原文（本领域，当前条目加粗）</source>
        <translation>Plan text (this domain; the current goal in bold)</translation>
    </message>
    <message>
        <source>目标值：逐项核对，可直接修改</source>
        <translation>Targets: check each one; you may edit them here</translation>
    </message>
    <message>
        <source>待处理：请写明理由，或改为目标值后删除该行</source>
        <translation>To resolve: give a reason, or make it a target and delete the line</translation>
    </message>
    <message>
        <source>（新）</source>
        <translation>(new)</translation>
    </message>
    <message>
        <source>共 {g} 条目标、{t} 项目标值，已核对 {c} 项；待处理 {u} 处。</source>
        <translation>{g} goals, {t} targets, {c} checked; {u} to resolve.</translation>
    </message>
    <message>
        <source>越高越好</source>
        <translation>Higher is better</translation>
    </message>
    <message>
        <source>越低越好</source>
        <translation>Lower is better</translation>
    </message>
    <message>
        <source>请填写：</source>
        <translation>Please fill in:</translation>
    </message>
    <message>
        <source>规划文件：</source>
        <translation>Plan file:</translation>
    </message>
    <message>
        <source>规划已保存到本机目录：{code}</source>
        <translation>The plan is saved to this PC’s catalogue: {code}</translation>
    </message>
    <message>
        <source>还有 {n} 项目标值未核对（勾选“已核对”）。</source>
        <translation>{n} targets are not yet checked (tick “Checked”).</translation>
    </message>
    <message>
        <source>含义</source>
        <translation>Meaning</translation>
    </message>
    <message>
        <source>计算方法</source>
        <translation>Calculation</translation>
    </message>
    <message>
        <source>计量单位</source>
        <translation>Unit of measure</translation>
    </message>
    <message>
        <source>统计来源</source>
        <translation>Statistical source</translation>
    </message>
    <message>
        <source>报送部门</source>
        <translation>Reporting department</translation>
    </message>
    <message>
        <source>统计时段</source>
        <translation>Statistical period</translation>
    </message>
    <message>
        <source>数据已更新 {time}</source>
        <translation>Data updated {time}</translation>
    </message>
    <message>
        <source>填报项</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>第一遍</source>
        <translation>First pass</translation>
    </message>
    <message>
        <source>第二遍</source>
        <translation>Second pass</translation>
    </message>
    <message>
        <source>处理</source>
        <translation>Resolution</translation>
    </message>
    <message>
        <source>这份报表还没有录入。</source>
        <translation>This form has not been keyed yet.</translation>
    </message>
    <message>
        <source>（两遍由同一人录入）</source>
        <translation> (both passes keyed by the same person)</translation>
    </message>
    <message>
        <source>双录入核对</source>
        <translation>Double entry</translation>
    </message>
    <message>
        <source>请先选择录入第一遍还是第二遍。第二遍看不到第一遍的数值。</source>
        <translation>First choose the first or the second pass. The second pass cannot see the first pass's figures.</translation>
    </message>
    <message>
        <source>保存这一遍</source>
        <translation>Save this pass</translation>
    </message>
    <message>
        <source>采用第一遍</source>
        <translation>Take first pass</translation>
    </message>
    <message>
        <source>采用第二遍</source>
        <translation>Take second pass</translation>
    </message>
    <message>
        <source>按纸质报表填写……</source>
        <translation>Type from the paper…</translation>
    </message>
    <message>
        <source>录入</source>
        <translation>Keying</translation>
    </message>
    <message>
        <source>不一致</source>
        <translation>Mismatches</translation>
    </message>
    <message>
        <source>核对入库</source>
        <translation>Commit agreed figures</translation>
    </message>
    <message>
        <source>这一遍还有未保存的录入，放弃吗？</source>
        <translation>This pass has unsaved entries. Discard them?</translation>
    </message>
    <message>
        <source>保存录入</source>
        <translation>Save pass</translation>
    </message>
    <message>
        <source>处理不一致</source>
        <translation>Resolve mismatch</translation>
    </message>
    <message>
        <source>按纸质报表填写</source>
        <translation>Type from the paper</translation>
    </message>
    <message>
        <source>第一遍：{one}；第二遍：{two}</source>
        <translation>First pass: {one}; second pass: {two}</translation>
    </message>
    <message>
        <source>可入库 {agreed} 项，不一致 {mismatched} 项，待另一遍 {waiting} 项，已入库 {committed} 项。</source>
        <translation>{agreed} ready to commit, {mismatched} mismatched, {waiting} awaiting the other pass, {committed} committed.</translation>
    </message>
    <message>
        <source>录入：</source>
        <translation>Key:</translation>
    </message>
    <message>
        <source>两遍录入不一致的项目，请对照纸质报表逐项处理。处理结果记入操作日志。</source>
        <translation>Cells the two passes keyed differently. Resolve each against the paper form; every resolution is recorded in the audit log.</translation>
    </message>
    <message>
        <source>两遍由同一人录入，已记录。</source>
        <translation>Both passes were keyed by the same person; this is recorded.</translation>
    </message>
    <message>
        <source>请先在列表中选中一项。</source>
        <translation>Select a row in the list first.</translation>
    </message>
    <message>
        <source>未录</source>
        <translation>not keyed</translation>
    </message>
    <message>
        <source>已定为 {value}</source>
        <translation>Set to {value}</translation>
    </message>
    <message>
        <source>{unit} {year}年纸质报表：录入两遍，核对一致后入库</source>
        <translation>{unit}, paper form {year}: key it twice; figures count once both passes agree</translation>
    </message>
    <message>
        <source>不一致（{n}）</source>
        <translation>Mismatches ({n})</translation>
    </message>
    <message>
        <source>正在录入{label}：请对照纸质报表逐项填写，报表上空着的留空。</source>
        <translation>Keying the {label}: type each figure from the paper form; leave blank what is blank on the paper.</translation>
    </message>
    <message>
        <source>已保存{label}。</source>
        <translation>{label} saved.</translation>
    </message>
    <message>
        <source>{label}：第一遍 {one}，第二遍 {two}。纸质报表上的数值（空着的留空）：</source>
        <translation>{label}: first pass {one}, second pass {two}. The figure on the paper form (blank if none):</translation>
    </message>
    <message>
        <source>已入库 {n} 项。</source>
        <translation>{n} figures committed.</translation>
    </message>
    <message>
        <source>纸质报表双录入核对……</source>
        <translation>Double entry of paper forms…</translation>
    </message>
    <message>
        <source>已核对：两遍一致的 {n} 项已入库（第一遍 {one}，第二遍 {two}）。再次录入将开始一份新的核对。</source>
        <translation>Verified: {n} figures committed (first pass {one}, second pass {two}). Keying again starts a new double entry.</translation>
    </message>
    <message>
        <source>只有管理员可以修改统计报表表头。请用管理员账号登录后再试。</source>
        <translation>Only an administrator may change the statistical form's header. Please log in as an administrator and try again.</translation>
    </message>
    <message>
        <source>统计报表表头</source>
        <translation>Statistical form header</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>恢复默认</source>
        <translation>Restore defaults</translation>
    </message>
    <message>
        <source>本单位还没有执行的规划，无法设置统计报表表头。</source>
        <translation>This unit follows no plan yet, so the statistical form header cannot be set.</translation>
    </message>
    <message>
        <source>《{plan}》的统计报表右上角各项，打印统计报表和空白报表时使用。</source>
        <translation>The top-right fields of the statistical form of “{plan}”, printed on the form and on the blank form.</translation>
    </message>
    <message>
        <source>（不填）</source>
        <translation>(left empty)</translation>
    </message>
    <message>
        <source>未能保存</source>
        <translation>Not saved</translation>
    </message>
    <message>
        <source>统计报表表头……</source>
        <translation>Statistical form header…</translation>
    </message>
    <message>
        <source>统计报表</source>
        <translation>Statistical form</translation>
    </message>
    <message>
        <source>空白报表</source>
        <translation>Blank form</translation>
    </message>
    <message>
        <source>“上年”栏填入已有的上年数据</source>
        <translation>Fill the “last year” column with last year's stored figures</translation>
    </message>
    <message>
        <source>　｜　达标率{rate}（{met}/{evaluable}）</source>
        <translation>  |  targets met {rate} ({met}/{evaluable})</translation>
    </message>
    <message>
        <source>导出部门填报模板……</source>
        <translation>Export a department's entry template…</translation>
    </message>
    <message>
        <source>导出部门填报模板</source>
        <translation>Export a department's entry template</translation>
    </message>
    <message>
        <source>选择报送部门：</source>
        <translation>Choose the reporting department:</translation>
    </message>
    <message>
        <source>本单位没有适用的规划。</source>
        <translation>No plan applies to this unit.</translation>
    </message>
    <message>
        <source>报送情况</source>
        <translation>Returns</translation>
    </message>
    <message>
        <source>报送情况：{summary}（详见“报送情况”页）</source>
        <translation>Returns: {summary} (see the Returns tab)</translation>
    </message>
    <message>
        <source>部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>下级单位</source>
        <translation>Unit below</translation>
    </message>
    <message>
        <source>报送期限按规划的报送日历（数据年份的次年）；部门的数据以录入或导入本机的时间计，下级单位的以收到其交换文件的时间计（北京时间）。管理员可用 tianbao calendar set 修改报送日历。</source>
        <translation>Deadlines follow the plan's reporting calendar (in the year after the data year). A department's figures count from when they were entered or imported here, a unit below's from when its sync file was received (Beijing time). An administrator changes the calendar with tianbao calendar set.</translation>
    </message>
    <message>
        <source>本单位没有下级报送单位或报送部门（报送日历适用于县、区）。</source>
        <translation>This unit has no reporters (the reporting calendar applies to counties and districts).</translation>
    </message>
    <message>
        <source>&lt;b&gt;{year}年数据报送情况&lt;/b&gt;　{summary}</source>
        <translation>&lt;b&gt;Returns for {year}&lt;/b&gt;  {summary}</translation>
    </message>
    <message>
        <source>报送单位</source>
        <translation>Reporter</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>报送期限</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>及时性</source>
        <translation>Timeliness</translation>
    </message>
    <message>
        <source>最近收到的文件</source>
        <translation>Last file received</translation>
    </message>
    <message>
        <source>缺报指标</source>
        <translation>Indicators missing</translation>
    </message>
    <message>
        <source>整表退回</source>
        <translation>Whole form returned</translation>
    </message>
    <message>
        <source>上级退回</source>
        <translation>Returned from above</translation>
    </message>
    <message>
        <source>已退回</source>
        <translation>Returned</translation>
    </message>
    <message>
        <source>下级已更正。</source>
        <translation>Corrected by the unit below.</translation>
    </message>
    <message>
        <source>等待下级更正：收到其更正后的交换文件时自动关闭。</source>
        <translation>Waiting for the correction: closed automatically when its corrected sync file arrives.</translation>
    </message>
    <message>
        <source>已更正，待上报：请上报本年数据，上级收到后关闭此退回。</source>
        <translation>Corrected, not yet sent: submit this year; the level above closes the return when it receives it.</translation>
    </message>
    <message>
        <source>请按原因修改数据，或在备注中说明，然后重新上报。</source>
        <translation>Correct the figure as asked, or explain it in the comment, then submit again.</translation>
    </message>
    <message>
        <source>原因：</source>
        <translation>Reason: </translation>
    </message>
    <message>
        <source>退回……</source>
        <translation>Return…</translation>
    </message>
    <message>
        <source>把所选数据（或本单位本年全部数据）退回下级，附原因</source>
        <translation>Return the selected figures (or all of this unit's year) to the unit below, with a reason</translation>
    </message>
    <message>
        <source>下级的交换文件，或上级的目录更新、退回文件</source>
        <translation>A sync file from below, or a catalogue update or returns file from above</translation>
    </message>
    <message>
        <source>退回记录与退回文件……</source>
        <translation>Returns and returns files…</translation>
    </message>
    <message>
        <source>退回数据</source>
        <translation>Return figures</translation>
    </message>
    <message>
        <source>已退回：{text}。请在“文件 → 退回记录与退回文件”中导出退回文件交给该单位。</source>
        <translation>Returned: {text}. Write the returns file for that unit under File → Returns and returns files.</translation>
    </message>
    <message>
        <source>整表退回（本单位本年的全部数据）</source>
        <translation>The whole form (all of this unit's figures for the year)</translation>
    </message>
    <message>
        <source>例如：出生数较上年下降过多，请核实后更正或在备注中说明</source>
        <translation>E.g. live births fell too much from last year: please check, correct or explain in the comment</translation>
    </message>
    <message>
        <source>退回</source>
        <translation>Return</translation>
    </message>
    <message>
        <source>退回记录</source>
        <translation>Returns</translation>
    </message>
    <message>
        <source>退回文件含发给该单位的全部退回（已关闭的也在内），对方导入后即可看到最新状态。</source>
        <translation>A returns file holds every return to that unit (closed ones too); importing it there shows the current state.</translation>
    </message>
    <message>
        <source>导出退回文件……</source>
        <translation>Write returns file…</translation>
    </message>
    <message>
        <source>导出退回文件</source>
        <translation>Write returns file</translation>
    </message>
    <message>
        <source>填报交换文件 (*.tbsync)</source>
        <translation>Tianbao sync files (*.tbsync)</translation>
    </message>
    <message>
        <source>退回原因（下级将在填报表格中看到）：</source>
        <translation>Reason (the unit below sees it in its grid):</translation>
    </message>
    <message>
        <source>请填写退回原因。</source>
        <translation>Please give the reason for the return.</translation>
    </message>
    <message>
        <source>请先选择一条本单位发出的退回。</source>
        <translation>Select a return issued by this unit first.</translation>
    </message>
    <message>
        <source>发出</source>
        <translation>Issued</translation>
    </message>
    <message>
        <source>收到</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>已写出 {path}：退回记录 {n} 条。请把文件交给该单位导入（同步 → 导入交换文件）。</source>
        <translation>Wrote {path}: {n} returns. Give the file to that unit to import (File → Import sync file).</translation>
    </message>
    <message>
        <source>退回 {unit} {year}年的数据，请下级按原因更正后重新上报。</source>
        <translation>Return {unit}'s figures for {year}; the unit corrects them as asked and submits again.</translation>
    </message>
    <message>
        <source>退回原因不能超过 {n} 个字。</source>
        <translation>The reason may not be longer than {n} characters.</translation>
    </message>
    <message>
        <source>所选指标（{n}项）：</source>
        <translation>The selected figures ({n}): </translation>
    </message>
    <message>
        <source>没有新的退回内容，无需导入。</source>
        <translation>Nothing new in this returns file; no need to import it.</translation>
    </message>
    <message>
        <source>文件：{file}</source>
        <translation>File: {file}</translation>
    </message>
    <message>
        <source>退回单位：{name}（{code}），签名有效</source>
        <translation>Returned by: {name} ({code}), signature valid</translation>
    </message>
    <message>
        <source>新的退回 {new} 条，上级已关闭 {closed} 条，无变化 {same} 条</source>
        <translation>{new} new returns, {closed} closed above, {same} unchanged</translation>
    </message>
    <message>
        <source>导入退回文件</source>
        <translation>Import returns file</translation>
    </message>
    <message>
        <source>新的退回（导入后相应数据改回草稿，并在表格中标出）</source>
        <translation>New returns (the figures go back to draft and are marked in the grid)</translation>
    </message>
    <message>
        <source>已导入：退回的数据已改回草稿，并在填报表格中标出，请按原因更正后重新上报。</source>
        <translation>Imported: the returned figures are drafts again and marked in the grid; correct them as asked and submit again.</translation>
    </message>
    <message>
        <source>退回时间</source>
        <translation>Returned at</translation>
    </message>
    <message>
        <source>待更正</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>已关闭</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>审核公式</source>
        <translation>Cross-checks</translation>
    </message>
    <message>
        <source>删除所选</source>
        <translation>Remove selected</translation>
    </message>
    <message>
        <source>指标代码，几个相加用 + 连接，如 a+b</source>
        <translation>Indicator codes, several joined by + to add them, e.g. a+b</translation>
    </message>
    <message>
        <source>错误（拒绝保存）</source>
        <translation>Error (refuses the figure)</translation>
    </message>
    <message>
        <source>提醒（须在备注中说明）</source>
        <translation>Warning (needs a comment)</translation>
    </message>
    <message>
        <source>左边指标</source>
        <translation>Left indicator</translation>
    </message>
    <message>
        <source>右边指标之和</source>
        <translation>Sum of right indicators</translation>
    </message>
    <message>
        <source>右边乘以</source>
        <translation>Right side times</translation>
    </message>
    <message>
        <source>分组</source>
        <translation>Breakdown</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>错误</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>提醒</source>
        <translation>Warning</translation>
    </message>
    <message>
        <source>已添加。</source>
        <translation>Added.</translation>
    </message>
    <message>
        <source>已删除。</source>
        <translation>Removed.</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Origin</translation>
    </message>
    <message>
        <source>公式</source>
        <translation>Rule</translation>
    </message>
    <message>
        <source>女性</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>男性</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>只有管理员可以添加或删除审核公式。</source>
        <translation>Only an administrator can add or remove cross-checks.</translation>
    </message>
    <message>
        <source>自带</source>
        <translation>Shipped</translation>
    </message>
    <message>
        <source>自定义</source>
        <translation>Custom</translation>
    </message>
    <message>
        <source>请先选中一条自定义审核公式。</source>
        <translation>Select one of the plan's own cross-checks first.</translation>
    </message>
    <message>
        <source>规划 {plan} 的审核公式：“错误”拒绝保存和导入，“提醒”须在上报前于备注中说明。软件自带的不能删除。</source>
        <translation>Cross-checks of plan {plan}: an error refuses saving and importing; a warning needs a comment before submission. Shipped rules cannot be removed.</translation>
    </message>
    <message>
        <source>审核公式……</source>
        <translation>Cross-checks…</translation>
    </message>
    <message>
        <source>需说明的变化 {n} 处：照常导入，上报前须在备注中说明原因。</source>
        <translation>{n} changes need an explanation: imported as usual; write the reason in the comment before submission.</translation>
    </message>
    <message>
        <source>不适用：该指标不适用于本单位或本年度（不计入汇总，也不算缺报）</source>
        <translation>Not applicable: the indicator does not apply to this unit or year (neither summed nor counted as missing)</translation>
    </message>
    <message>
        <source>待核实：数据已报送，正在核实（{text}）。核实后右键选择“核实无误”，或直接填写核实后的数字。</source>
        <translation>Under query: reported and being checked ({text}). Once checked, right-click and choose “Confirmed”, or type the checked figure.</translation>
    </message>
    <message>
        <source>标记为不适用</source>
        <translation>Mark as not applicable</translation>
    </message>
    <message>
        <source>标记为待核实</source>
        <translation>Mark as under query</translation>
    </message>
    <message>
        <source>核实无误（取消待核实）</source>
        <translation>Confirmed (no longer under query)</translation>
    </message>
    <message>
        <source>标记</source>
        <translation>Mark</translation>
    </message>
    <message>
        <source>退回已关闭 {n} 条（下级已更正）。</source>
        <translation> {n} return(s) closed (corrected below).</translation>
    </message>
    <message>
        <source>导入数据文件（CSV）</source>
        <translation>Import a data file (CSV)</translation>
    </message>
    <message>
        <source>CSV 文件 (*.csv *.txt);;所有文件 (*)</source>
        <translation>CSV files (*.csv *.txt);;All files (*)</translation>
    </message>
    <message>
        <source>检查CSV</source>
        <translation>Checking the CSV</translation>
    </message>
    <message>
        <source>导入CSV</source>
        <translation>Importing the CSV</translation>
    </message>
    <message>
        <source>CSV文件有错误，未导入任何数据</source>
        <translation>The CSV file has errors; nothing was imported</translation>
    </message>
    <message>
        <source>已从CSV导入数据：写入 {n} 项</source>
        <translation>Imported from the CSV: {n} figures written</translation>
    </message>
    <message>
        <source>文件：{file}（编码：{encoding}）</source>
        <translation>File: {file} (encoding: {encoding})</translation>
    </message>
    <message>
        <source>共 {rows} 行，将写入 {changed} 项（新增或修改），其余与库中相同；{skipped} 行数值为空，跳过。点击“导入”后才写入。</source>
        <translation>{rows} rows: {changed} figures will be written (new or changed), the rest are as stored; {skipped} rows have no value and are skipped. Nothing is written until you click Import.</translation>
    </message>
    <message>
        <source>下表列出前 {n} 项。</source>
        <translation>The table lists the first {n}.</translation>
    </message>
    <message>
        <source>导入数据文件（CSV）……</source>
        <translation>Import a data file (CSV)…</translation>
    </message>
</context>
</TS>

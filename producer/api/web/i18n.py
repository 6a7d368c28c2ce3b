"""Interface text in English and Chinese; the language comes from ?lang=, a cookie, or the browser."""

from __future__ import annotations

import re

from producer.service.validation import ACCEPTED

LANGS = ("en", "zh")
LANG_COOKIE = "cohortcv_lang"

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "app": "cohortcv",
        "tagline": "Resumes in bulk from your institution's spreadsheet.",
        "signin": "Sign in",
        "signout": "Sign out",
        "api_key": "API key",
        "key_help": "The key your operator gave you (cohortcv tenant create). Your browser "
        "does not keep it: signing in starts a session that ends when you sign out.",
        "bad_key": "That API key is unknown or revoked.",
        "throttled": "Too many wrong keys from your address. Try again in {minutes} min.",
        "upload": "Upload a file",
        "file": "CSV, XLSX or JSONL file",
        "language": "Resume language",
        "lang_auto": "Automatic (per row)",
        "formats": "Formats",
        "writer": "Writer",
        "target_job": "Target job description (optional)",
        "submit": "Upload and start",
        "batches": "Batches",
        "no_batches": "No batches yet.",
        "file_col": "File",
        "status": "Status",
        "progress": "Progress",
        "created": "Created",
        "rows": "rows",
        "accepted": "accepted",
        "rejected": "rejected",
        "done": "done",
        "failed": "failed",
        "dead": "failed for good",
        "running": "running",
        "queued": "queued",
        "download": "Download ZIP",
        "download_fmt": "Download",
        "cancel": "Cancel",
        "delete": "Delete",
        "confirm_cancel": "Cancel this batch? Queued resumes will not be written.",
        "confirm_delete": "Delete this batch and every resume and row in it? This cannot be undone.",
        "deleted": "The batch was deleted.",
        "cancelled": "The batch was cancelled.",
        "report": "Row report",
        "line": "Line",
        "id": "ID",
        "name": "Name",
        "outcome": "Outcome",
        "column": "Column",
        "reason": "Reason",
        "outputs": "Files",
        "rejected_rows": "Rejected rows",
        "no_rejected": "No row was rejected.",
        "more_rows": "Showing the first rows; the full report is in the ZIP (report.csv).",
        "back": "All batches",
        "warnings": "Warnings",
        "error": "Error",
        "status_validating": "validating",
        "status_queued": "queued",
        "status_in_progress": "in progress",
        "status_completed": "completed",
        "status_failed": "failed",
        "status_cancelled": "cancelled",
        "switch": "中文",
        "docs": "API documentation",
    },
    "zh": {
        "app": "cohortcv",
        "tagline": "从机构的名单表格批量生成简历。",
        "signin": "登录",
        "signout": "退出",
        "api_key": "API 密钥",
        "key_help": "运维人员提供的密钥（cohortcv tenant create）。浏览器不会保存它：登录后开始一个会话，退出即结束。",
        "bad_key": "该 API 密钥不存在或已被吊销。",
        "throttled": "来自您地址的错误密钥过多，请在 {minutes} 分钟后重试。",
        "upload": "上传文件",
        "file": "CSV、XLSX 或 JSONL 文件",
        "language": "简历语言",
        "lang_auto": "自动（按行判断）",
        "formats": "格式",
        "writer": "撰写方式",
        "target_job": "目标职位描述（可选）",
        "submit": "上传并开始",
        "batches": "批次",
        "no_batches": "还没有批次。",
        "file_col": "文件",
        "status": "状态",
        "progress": "进度",
        "created": "创建时间",
        "rows": "行",
        "accepted": "已接受",
        "rejected": "已拒绝",
        "done": "已完成",
        "failed": "失败",
        "dead": "最终失败",
        "running": "进行中",
        "queued": "排队中",
        "download": "下载 ZIP",
        "download_fmt": "下载",
        "cancel": "取消",
        "delete": "删除",
        "confirm_cancel": "确定取消该批次吗？排队中的简历将不会生成。",
        "confirm_delete": "确定删除该批次及其全部简历和数据行吗？此操作无法撤销。",
        "deleted": "批次已删除。",
        "cancelled": "批次已取消。",
        "report": "逐行报告",
        "line": "行号",
        "id": "编号",
        "name": "姓名",
        "outcome": "结果",
        "column": "列",
        "reason": "原因",
        "outputs": "文件",
        "rejected_rows": "被拒绝的行",
        "no_rejected": "没有被拒绝的行。",
        "more_rows": "仅显示前若干行；完整报告见 ZIP 中的 report.csv。",
        "back": "全部批次",
        "warnings": "提示",
        "error": "错误",
        "status_validating": "校验中",
        "status_queued": "排队中",
        "status_in_progress": "处理中",
        "status_completed": "已完成",
        "status_failed": "失败",
        "status_cancelled": "已取消",
        "switch": "English",
        "docs": "API 文档",
    },
}


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """?lang= wins, then the cookie, then the browser's first supported language."""
    for value in (query, cookie):
        if value in LANGS:
            return value
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"


# Rejection reasons and upload errors are written in English where they are made (they go to
# report.csv and the API too); the Chinese page shows them through these patterns. A message
# that none matches is shown as it is.
ACCEPTED_ZH = (
    "可接受：CSV（由 Excel、Google Sheets、Numbers 或数据库导出的文本：UTF-8、UTF-16、"
    "中文 GB18030/GBK 或西文 Windows-1252）、XLSX 或 JSONL"
)
_N = r"[\d,.]+"
MESSAGES_ZH: list[tuple[str, str]] = [
    # Rows (producer/ingest).
    (r"name is missing", "缺少姓名"),
    (r"(?P<f>[\w.]+) is missing", "缺少 {f}"),
    (r"email (?P<v>.+) is not a valid e-mail address", "邮箱 {v} 不是有效的电子邮件地址"),
    (r"phone (?P<v>.+) has fewer than 7 digits", "电话 {v} 少于 7 位数字"),
    (
        r"grad_year (?P<v>.+) is not a year between 1950 and 2100",
        "毕业年份 {v} 不是 1950 至 2100 之间的年份",
    ),
    (
        r"(?P<v>.+) is not a date; write 2021, 2021-06 or 2021-06-30",
        "{v} 不是日期；请写成 2021、2021-06 或 2021-06-30",
    ),
    (r"id (?P<v>.+) is a duplicate of line (?P<n>\d+)", "编号 {v} 与第 {n} 行重复"),
    (
        rf"id has (?P<n>{_N}) characters; the limit is (?P<m>{_N})",
        "编号有 {n} 个字符；上限为 {m}",
    ),
    (
        rf"name has (?P<n>{_N}) characters; the limit is (?P<m>{_N})",
        "姓名有 {n} 个字符；上限为 {m}",
    ),
    (
        rf"the (?:cell|value) has (?P<n>{_N}) characters; the limit is (?P<m>{_N})",
        "该单元格有 {n} 个字符；上限为 {m}",
    ),
    (
        rf"the row has (?P<n>{_N}) cells but the header has (?P<m>{_N})",
        "该行有 {n} 个单元格，但表头只有 {m} 个",
    ),
    (r"the row cannot be read as CSV: (?P<e>.+)", "该行无法按 CSV 读取：{e}"),
    (
        r"a quoted cell opened on line (?P<n>\d+) is never closed; it runs to the end of the file",
        "第 {n} 行开始的引号单元格没有闭合，一直延续到文件末尾",
    ),
    (
        r"swallowed by the quoted cell opened on line (?P<n>\d+) \(never closed\)",
        "被第 {n} 行开始且未闭合的引号单元格吞并",
    ),
    (r"the line is not valid JSON \((?P<e>.+)\)", "该行不是有效的 JSON（{e}）"),
    (
        r"the line is a JSON (?P<k>\w+), not a JSON Resume object",
        "该行是 JSON {k}，不是 JSON Resume 对象",
    ),
    (r"the line is not a JSON Resume object", "该行不是 JSON Resume 对象"),
    (
        r"language (?P<v>.+) is not supported; use en \(English\) or zh \(中文\)",
        "不支持语言 {v}；请使用 en（English）或 zh（中文）",
    ),
    # Uploads (producer/api/upload.py, shared/options.py, whole-file errors).
    (
        r"the upload was cut off.*",
        "上传被中断（缺少 multipart 结束边界）；未保存任何内容：请重新上传文件",
    ),
    (r"the multipart body is malformed.*", "上传的表单格式错误；请通过名为 'file' 的字段发送文件"),
    (r"no file: .*", "没有文件：请选择一个 CSV、XLSX 或 JSONL 文件"),
    (
        r"a part's headers are longer than (?P<n>\d+) KiB.*",
        "文件名过长（表单头超过 {n} KiB）：请缩短文件名",
    ),
    (r"formats: unknown (?P<v>.+); choose from (?P<c>.+)", "格式：未知的 {v}；可选 {c}"),
    (
        rf"is (?P<s>{_N}) MiB or more; the limit of one upload is (?P<l>{_N}) MiB: split the file",
        "大小至少 {s} MiB；单次上传上限为 {l} MiB：请拆分文件",
    ),
    (
        rf"has more than (?P<n>{_N}) data rows; the limit of one upload is (?P<l>{_N}) rows: "
        r"split the file",
        "数据行超过 {n} 行；单次上传上限为 {l} 行：请拆分文件",
    ),
    (
        r"has no column recognised as 'name' \(header found: (?P<h>.*)\); .*",
        "没有可识别为姓名的列（表头为：{h}）；请将该列命名为 'name'、'full name'、'student name'、"
        "'candidate name' 或 '姓名'",
    ),
    (r"is empty(?: \(0 bytes\))?(?:: no header row was found)?; (?P<a>.+)", "是空文件；{a}"),
    (
        r"has a header \(line (?P<n>\d+)\) but no data rows; .*",
        "第 {n} 行是表头，但没有数据行；请每人一行",
    ),
    (
        r"is not text(?: in any accepted encoding)?.*; (?P<a>可接受.+)",
        "不是文本表格（可能是程序、图片或其他二进制文件，或编码无法识别）；{a}",
    ),
    (
        r"is mostly empty bytes \(NUL\).*; (?P<a>可接受.+)",
        "大部分是空字节（NUL），像是损坏的文件；{a}",
    ),
    (r"is (?P<w>.+), not a table; (?P<a>可接受.+)", "是 {w}，不是表格；{a}"),
    (r"no batch (?P<v>.+)", "没有批次 {v}"),
]
_COMPILED = [(re.compile(pattern, re.DOTALL), zh) for pattern, zh in MESSAGES_ZH]
_FILE_PREFIX = re.compile(r"(?P<file>[^:]{1,300}): (?P<rest>.+)", re.DOTALL)


def _zh(message: str) -> str | None:
    for pattern, zh in _COMPILED:
        if match := pattern.fullmatch(message):
            return zh.format(**match.groupdict())
    return None


def say(message: str, lang: str) -> str:
    """A reason or error message in the page's language (English as made when no pattern fits)."""
    if lang != "zh" or not message:
        return message
    text = message.replace(ACCEPTED, ACCEPTED_ZH)
    if (found := _zh(text)) is not None:
        return found
    # Whole-file errors and over-the-limit ones name the file first: "c.csv: is empty …".
    if (prefixed := _FILE_PREFIX.fullmatch(text)) and (rest := _zh(prefixed["rest"])):
        return f"{prefixed['file']}：{rest}"
    return message

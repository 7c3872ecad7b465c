"""The sync file's container, manifest and limits, and a streaming reader of its JSON payload.

A sync file is a ZIP archive with exactly three entries (docs/sync-format.md):

- ``payload.json`` — a DHIS2 dataValueSet (``dataValues``) with Tianbao's extra members
  (``orgUnits``, ``goalProgress``, ``auditEntries``), one record per line, deflated;
- ``manifest.json`` — format version, app and catalogue versions, sender, counts and the
  payload's size and SHA-256;
- ``manifest.sig`` — the sender's Ed25519 signature of the manifest's exact bytes.

Everything here refuses bad input with :class:`SyncError`, whose text is a plain Chinese
sentence for the clerk; no input makes the reader raise anything else (tests/test_sync_fuzz.py).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import IO, Any

from db.errors import UserError
from resources import ROOT as RESOURCES

FORMAT_NAME = "tianbao-sync"
# major.minor: a reader accepts any minor version of its major (minor versions only add
# optional members) and refuses another major version.
FORMAT_MAJOR, FORMAT_MINOR = 1, 1  # 1.1: unitEvents
FORMAT_VERSION = f"{FORMAT_MAJOR}.{FORMAT_MINOR}"
KINDS = ("figures", "catalogue", "returns")
# What to do with a file of another kind than the command expected.
KIND_HINTS = {
    "figures": "这是数据交换文件，请用“tianbao sync import”（同步 → 导入）导入。",
    "catalogue": "这是目录更新文件，请用“tianbao catalogue import”导入。",
    "returns": "这是上级单位的退回文件，请用“tianbao returns import”（同步 → 导入退回文件）导入。",
}

MANIFEST_ENTRY = "manifest.json"
SIGNATURE_ENTRY = "manifest.sig"
PAYLOAD_ENTRY = "payload.json"
ENTRIES = frozenset({MANIFEST_ENTRY, SIGNATURE_ENTRY, PAYLOAD_ENTRY})

SCHEMA_PATH = RESOURCES / "sync" / "sync-format.schema.json"

# Limits against decompression bombs and absurd files. A city's file (200 townships, 200 codes,
# 11 years, 3 breakdowns: 1.3 M figures) has a payload of about 270 MB and packs to about 10 MB.
MAX_MANIFEST_BYTES = 64 * 1024
SIGNATURE_BYTES = 64  # Ed25519
MAX_PAYLOAD_BYTES = 4 * 1024**3
# The payload may not be larger than its declared records could plausibly need: a record is
# about 200 bytes; 16 KiB leaves room for long comments and audit entries.
MAX_BYTES_PER_RECORD = 16 * 1024
PAYLOAD_SLACK_BYTES = 64 * 1024
# Our payload deflates about 30:1; a bomb is thousands to one.
MAX_COMPRESSION_RATIO = 400
MAX_RECORD_CHARS = 1024 * 1024  # one JSON record (a very long comment is a few KB)
READ_CHUNK = 1 << 20

# China Standard Time: DHIS2 writes lastUpdated without an offset, in the server's local time.
CHINA_TIME = timezone(timedelta(hours=8))

# What reading a damaged archive can raise (zipfile lets zlib's and struct's errors through).
ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError,
                  OSError, RuntimeError, ValueError, EOFError, OverflowError, struct.error)


class SyncError(UserError):
    """A file refused as a whole. ``str(error)`` is for the user, in Chinese; ``code`` for tests
    and scripts."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


# ------------------------------------------------------------------------------ schema


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the format (resources/sync/sync-format.schema.json)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator(definition: str) -> Any:
    from jsonschema import Draft202012Validator

    root = schema()
    return Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": root["$defs"]})


def schema_errors(document: Any, definition: str) -> list[str]:
    """Where ``document`` breaks the schema's ``$defs/<definition>``, one line each."""
    errors = sorted(_validator(definition).iter_errors(document), key=lambda e: list(e.path))
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(根)'}：{error.message}"
            for error in errors]


def validate(document: Any, definition: str, what: str) -> None:
    """Raise :class:`SyncError` unless ``document`` matches ``$defs/<definition>``."""
    problems = schema_errors(document, definition)
    if problems:
        more = f"（另有 {len(problems) - 3} 处）" if len(problems) > 3 else ""
        raise SyncError("schema", f"{what}格式不符合规范：{'；'.join(problems[:3])}{more}")


# ------------------------------------------------------------------------------ manifest


@dataclass(frozen=True)
class Manifest:
    """The checked manifest of a sync file; ``raw`` is the signed bytes."""

    data: dict[str, Any]
    raw: bytes

    @property
    def kind(self) -> str:
        return str(self.data["kind"])

    @property
    def sender_unit(self) -> str:
        return str(self.data["sender"]["unit"])

    @property
    def sender_name(self) -> str:
        return str(self.data["sender"].get("name", ""))

    @property
    def fingerprint(self) -> str:
        return str(self.data["sender"]["fingerprint"])

    @property
    def payload_sha256(self) -> str:
        return str(self.data["payload"]["sha256"])

    @property
    def payload_bytes(self) -> int:
        return int(self.data["payload"]["bytes"])

    @property
    def counts(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.data["counts"].items()}

    @property
    def created_at(self) -> datetime:
        parsed = parse_time(self.data["createdAt"])
        assert parsed is not None  # the schema requires it and parse_manifest checked it
        return parsed


def dump_manifest(data: dict[str, Any]) -> bytes:
    """The manifest's bytes as signed: UTF-8, keys in a fixed order, Chinese unescaped."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True,
                      allow_nan=False).encode("utf-8")


def parse_manifest(raw: bytes) -> Manifest:
    """Check a manifest's bytes: JSON, our format, a version we read, and the schema."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise SyncError("bad_manifest", "文件清单（manifest.json）已损坏，无法读取。") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise SyncError("not_sync_file",
                        "这不是填报软件的交换文件（清单中没有 tianbao-sync 标记）。")
    check_format_version(data.get("formatVersion"))
    validate(data, "manifest", "文件清单")
    if parse_time(data["createdAt"]) is None:
        raise SyncError("schema", "文件清单格式不符合规范：createdAt 不是有效的时间。")
    payload_bytes = int(data["payload"]["bytes"])
    records = sum(int(v) for v in data["counts"].values())
    if payload_bytes > min(MAX_PAYLOAD_BYTES,
                           records * MAX_BYTES_PER_RECORD + PAYLOAD_SLACK_BYTES):
        raise SyncError("too_large", f"文件声明的数据量（{payload_bytes} 字节）超出允许范围，"
                        "拒绝读取。")
    return Manifest(data, raw)


def check_format_version(version: object) -> None:
    """Refuse a version this reader cannot read: another major version, or not a version."""
    match = re.fullmatch(r"(\d{1,4})\.(\d{1,4})", version) if isinstance(version, str) else None
    if match is None:
        raise SyncError("bad_version", f"文件的格式版本“{str(version)[:20]}”无效。")
    major = int(match.group(1))
    if major > FORMAT_MAJOR:
        raise SyncError(
            "future_version",
            f"此文件由更新版本的填报软件生成（交换格式 {version}），本版本只能读取 "
            f"{FORMAT_MAJOR}.x 格式。请先升级填报软件，再导入此文件。")
    if major < FORMAT_MAJOR:
        raise SyncError("old_version", f"此文件的交换格式 {version} 过旧，本版本无法读取。"
                        "请对方升级填报软件后重新导出。")


# ------------------------------------------------------------------------------ container


@dataclass
class Container:
    """An opened sync file whose entries passed the container checks; close it when done."""

    path: Path
    archive: zipfile.ZipFile
    manifest: Manifest
    signature: bytes | None
    payload_info: zipfile.ZipInfo

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def open_payload(self) -> IO[bytes]:
        try:
            return self.archive.open(self.payload_info)
        except ARCHIVE_ERRORS as error:
            raise _damaged(error) from None


def file_sha256(path: Path) -> str:
    """SHA-256 of a whole file, for the sync log (which file was imported)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(READ_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _damaged(error: BaseException) -> SyncError:
    return SyncError("damaged", f"文件不完整或已损坏，无法读取（{type(error).__name__}）。"
                     "请让对方重新导出并发送。")


def open_container(path: Path) -> Container:
    """Open a sync file and check its container and manifest (not yet its signature or payload).

    Refused: a missing file, a file that is not a ZIP (a renamed PDF or Excel file…), a
    truncated or damaged archive, entries other than the three expected (``../`` in a name, an
    absolute path), an oversized manifest, a payload larger than the manifest declares or than
    the limits allow, a compression ratio that only a decompression bomb has.
    """
    path = Path(path)
    if not path.is_file():
        raise SyncError("no_file", f"找不到文件：{path}")
    try:
        with path.open("rb") as file:
            head = file.read(4)
    except OSError as error:
        raise SyncError("unreadable", f"无法读取文件 {path}：{error.strerror or error}") from None
    if head[:1] == b"{" or head[:3] == b"\xef\xbb\xbf":
        raise SyncError("unsigned", "这是未签名的 JSON 文件，不是填报交换文件。"
                        "如为 DHIS2 数据文件，请使用 --dhis2 选项导入。")
    if head != b"PK\x03\x04":
        raise SyncError("not_sync_file", "这不是填报软件的交换文件（可能是改了扩展名的其他文件）。")
    try:
        archive = zipfile.ZipFile(path)
    except ARCHIVE_ERRORS as error:
        raise _damaged(error) from None
    try:
        return _check_container(path, archive)
    except BaseException:
        archive.close()
        raise


def _check_container(path: Path, archive: zipfile.ZipFile) -> Container:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if MANIFEST_ENTRY not in names:
        raise SyncError("not_sync_file", "这不是填报软件的交换文件（缺少清单 manifest.json）。"
                        "可能是改了扩展名的其他压缩文件。")
    for name in names:
        if _unsafe_name(name):
            raise SyncError("unsafe_entry", f"文件中含有不安全的条目名“{name[:60]}”，拒绝读取。")
    if len(names) != len(set(names)):
        raise SyncError("bad_entries", "文件中有重名的条目，拒绝读取。")
    if set(names) - ENTRIES:
        extra = "、".join(sorted(set(names) - ENTRIES))[:80]
        raise SyncError("bad_entries", f"文件中有交换格式之外的条目（{extra}），拒绝读取。")
    by_name = {info.filename: info for info in infos}
    for info in infos:
        if info.flag_bits & 0x1:
            raise SyncError("encrypted", "文件中的条目已加密，填报交换文件不加密，拒绝读取。")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SyncError("damaged", "文件使用了交换格式不支持的压缩方式，拒绝读取。")
    manifest_info = by_name[MANIFEST_ENTRY]
    if manifest_info.file_size > MAX_MANIFEST_BYTES:
        raise SyncError("too_large", "文件清单过大，拒绝读取。")
    manifest = parse_manifest(_read_small(archive, manifest_info, MAX_MANIFEST_BYTES))
    if PAYLOAD_ENTRY not in by_name:
        raise SyncError("damaged", "文件缺少数据部分（payload.json），无法导入。")
    signature: bytes | None = None
    if SIGNATURE_ENTRY in by_name:
        signature = _read_small(archive, by_name[SIGNATURE_ENTRY], SIGNATURE_BYTES)
    payload = by_name[PAYLOAD_ENTRY]
    if payload.file_size != manifest.payload_bytes:
        raise SyncError("payload_mismatch", "数据部分的大小与清单不符：文件在传递中被改动或损坏。")
    if payload.file_size > max(payload.compress_size, 1) * MAX_COMPRESSION_RATIO:
        raise SyncError("bomb", "数据部分的压缩比异常（疑似“压缩炸弹”），拒绝读取。")
    return Container(path, archive, manifest, signature, payload)


def _unsafe_name(name: str) -> bool:
    # The three entries are flat names: any folder part, drive letter or NUL is an attack
    # (zip slip: "../../autorun.bat"), even though nothing is ever extracted to disk.
    return any(char in name for char in "/\\:\x00") or name.startswith("..")


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    try:
        with archive.open(info) as entry:
            data = entry.read(limit + 1)
    except ARCHIVE_ERRORS as error:
        raise _damaged(error) from None
    if len(data) > limit:
        raise SyncError("too_large", f"条目 {info.filename} 超出允许的大小，拒绝读取。")
    return data


# ------------------------------------------------------------------------------ payload reading


class HashingReader:
    """Decoded text chunks of a binary stream, hashing and counting the bytes as they pass.

    Stops with :class:`SyncError` past ``limit`` bytes, so a payload can never be larger than
    its manifest declares, whatever the archive's headers say.
    """

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0
        self._first = True

    def read(self) -> str:
        """The next chunk of text; ``""`` at the end."""
        try:
            block = self._stream.read(READ_CHUNK)
        except ARCHIVE_ERRORS as error:
            raise _damaged(error) from None
        self.bytes_read += len(block)
        if self.bytes_read > self._limit:
            raise SyncError("too_large", "数据部分超出清单声明的大小，拒绝读取。")
        self.sha256.update(block)
        try:
            text = self._decoder.decode(block, final=not block)
        except UnicodeDecodeError:
            raise SyncError("bad_text", "数据部分不是有效的 UTF-8 文本：文件已损坏。") from None
        if self._first and text:
            self._first = False
            if text.startswith("\ufeff"):  # Notepad saves a BOM before the JSON
                text = text[1:]
        return text


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR_TAIL = re.compile(r"[0-9A-Za-z.+-]*")
_ELEMENT_END = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")
_CLOSED = (dict, str, list)  # values whose last character tells they are complete
_DECODER = json.JSONDecoder(parse_constant=lambda name: _refuse_constant(name))
_SCAN = _DECODER.scan_once  # type: ignore[attr-defined]  # CPython's; not in typeshed


def _refuse_constant(name: str) -> float:
    # NaN and Infinity are not JSON (RFC 8259); Python's parser would accept them silently.
    raise ValueError(name)


class JsonStream:
    """Reads one top-level JSON object from text chunks without holding it in memory.

    :meth:`members` yields ``(name, index, value)``: for a member named in ``streamed`` whose
    value is an array, one triple per element (``index`` 0, 1, …); for any other member, one
    triple with ``index`` None. Elements are parsed one at a time, so memory stays at one
    element plus one chunk whatever the file's size.
    """

    def __init__(self, read: Callable[[], str], streamed: frozenset[str]) -> None:
        self._read = read
        self._streamed = streamed
        self._buf = ""
        self._pos = 0
        self._eof = False

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._read()
        if not chunk:
            self._eof = True
            return False
        self._buf = self._buf[self._pos:] + chunk
        self._pos = 0
        return True

    def _skip(self) -> None:
        while True:
            self._pos = _WHITESPACE.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buf) or not self._more():
                return

    def _peek(self) -> str:
        self._skip()
        return self._buf[self._pos] if self._pos < len(self._buf) else ""

    def _expect(self, char: str, where: str) -> None:
        if self._peek() != char:
            raise _syntax(where)
        self._pos += 1

    def _value(self, where: str) -> Any:
        self._skip()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except (json.JSONDecodeError, ValueError, RecursionError):
                if len(self._buf) - self._pos > MAX_RECORD_CHARS:
                    raise SyncError("too_large", f"{where}中有一条记录过长，拒绝读取。") from None
                if self._more():
                    continue
                raise _syntax(where) from None
            # A number or literal that runs to the end of the buffer may go on in the next
            # chunk ("0" then ".5"): read on until a delimiter follows it.
            if (not isinstance(value, dict | list | str)
                    and _SCALAR_TAIL.match(self._buf, end).end() == len(self._buf)  # type: ignore[union-attr]
                    and not self._eof and self._more()):
                continue
            if end - self._pos > MAX_RECORD_CHARS:
                raise SyncError("too_large", f"{where}中有一条记录过长，拒绝读取。")
            self._pos = end
            return value

    def members(self) -> Iterator[tuple[str, int | None, Any]]:
        self._expect("{", "数据部分开头")
        if self._peek() == "}":
            self._pos += 1
        else:
            while True:
                name = self._value("数据部分")
                if not isinstance(name, str):
                    raise _syntax("数据部分")
                self._expect(":", "数据部分")
                if name in self._streamed and self._peek() == "[":
                    self._pos += 1
                    yield from self._elements(name)
                else:
                    yield name, None, self._value(name)
                separator = self._peek()
                self._pos += 1
                if separator == "}":
                    break
                if separator != ",":
                    raise _syntax("数据部分")
        if self._peek() != "":
            raise _syntax("数据部分结尾")

    def _elements(self, name: str) -> Iterator[tuple[str, int | None, Any]]:
        if self._peek() == "]":
            self._pos += 1
            return
        index = 0
        scan, separator_at = _SCAN, _ELEMENT_END.match
        careful_until = -1
        while True:
            buf, pos = self._buf, self._pos
            # Fastest path, for files written one record per line as Tianbao writes them: JSON
            # strings cannot hold a raw newline, so ",\n" ends a record, and every complete
            # record up to the last one in the buffer parses as one array in one call of json's
            # C scanner (which then shares the member names between records). Any trouble,
            # and the records go one by one below, which says what is wrong.
            cut = buf.rfind(",\n", pos)
            if cut > pos and cut > careful_until:
                text = "[" + buf[pos:cut] + "]"
                try:
                    values, end = scan(text, 0)
                except (StopIteration, ValueError, RecursionError):
                    values, end = None, -1
                if type(values) is list and end == len(text):
                    self._pos = cut + 2
                    for value in values:
                        yield name, index, value
                        index += 1
                    self._skip()
                    continue
                careful_until = cut
            # Fast path for one record: an object or string parsed by json's C scanner, then
            # the separator, both well inside the buffer. Anything else (a chunk boundary, a
            # number, an error) takes the careful path, which says what is wrong.
            try:
                value, end = scan(buf, pos)
            except (StopIteration, ValueError, RecursionError):
                value, end = None, -1
            if end > 0 and type(value) in _CLOSED and end - pos <= MAX_RECORD_CHARS:
                match = separator_at(buf, end)
                if match is not None and match.end() < len(buf):
                    self._pos = match.end()
                    yield name, index, value
                    index += 1
                    if match.group(1) == "]":
                        return
                    continue
            yield name, index, self._value(name)
            index += 1
            separator = self._peek()
            self._pos += 1
            if separator == "]":
                return
            if separator != ",":
                raise _syntax(name)
            self._skip()  # so that the next element starts where the fast path can scan it


def _syntax(where: str) -> SyncError:
    return SyncError("bad_json", f"{where}不是有效的 JSON（文件不完整或已损坏）。")


# ------------------------------------------------------------------------------ values


def format_time(moment: datetime) -> str:
    """``2025-03-01T08:00:00.123456Z``: UTC with microseconds, so a time read back is equal."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: object) -> datetime | None:
    """An ISO 8601 time as DHIS2 and Tianbao write it, as an aware UTC datetime; None if not.

    A time without an offset is China time (DHIS2 writes the server's local time).
    """
    if not isinstance(text, str) or not 10 <= len(text) <= 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TIME)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def format_value(value: float) -> str:
    """A figure as DHIS2 writes values (a string): whole numbers without ``.0``, others exact."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


NUMBER_TEXT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def parse_value(raw: object) -> float | None:
    """A value as the format writes it (a JSON string or number); None if it is not one."""
    if isinstance(raw, str):
        if len(raw) > 40 or NUMBER_TEXT.fullmatch(raw) is None:
            return None
        number = float(raw)
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            number = float(raw)
        except OverflowError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None

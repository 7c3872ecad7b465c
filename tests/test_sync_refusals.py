"""Files the county must refuse — with a clear Chinese reason, and with nothing written: no
figure, no audit entry, no log line, no copy of the database."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import (
    DESHENG,
    PANSHAN,
    TAIPING,
    Installation,
    figure_line,
    forge,
    new_installation,
    payload_of,
    registered_pair,
    setup_township,
    state,
)

from db.sync.export import export_sync_file
from db.sync.format import SyncError
from db.sync.import_ import import_sync_file
from db.sync.preview import SyncPreview


@pytest.fixture
def pair(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[Installation, Installation]]:
    with registered_pair(tmp_path, tmp_path_factory) as pair:
        yield pair


def refused(county: Installation, path: Path, code: str, words: str) -> None:
    before = state(county.session)
    with pytest.raises(SyncError) as caught:
        import_sync_file(county.session, path)
    assert caught.value.code == code, str(caught.value)
    assert words in str(caught.value)
    assert state(county.session) == before
    assert not list(county.folder.glob("backups/*"))


def refused_records(county: Installation, path: Path, *words: str) -> SyncPreview:
    before = state(county.session)
    preview = import_sync_file(county.session, path)
    assert preview.refused and not preview.applied
    messages = " ".join(f.message for found in preview.report.findings.values() for f in found)
    for word in words:
        assert word in messages
    assert state(county.session) == before
    assert not list(county.folder.glob("backups/*"))
    return preview


def good_file(township: Installation) -> Path:
    path = township.folder / "good.tbsync"
    export_sync_file(township.session, TAIPING, range(2023, 2024), path)
    return path


def rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of a sync file with entries replaced (or dropped with None)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w",
                                                        zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    new.writestr(info.filename, change[info.filename])  # type: ignore[arg-type]
            else:
                new.writestr(info.filename, old.read(info))
    return target


def test_an_unsigned_file_is_refused(pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "x.tbsync", township, payload_of(figure_line()), signed=False)
    refused(county, path, "unsigned", "没有签名")


def test_a_bare_json_file_is_refused_as_unsigned(pair: tuple[Installation, Installation]) -> None:
    _, county = pair
    path = county.folder / "values.json"
    path.write_text(payload_of(figure_line()), encoding="utf-8")
    refused(county, path, "unsigned", "未签名")


def test_a_file_signed_with_an_unregistered_key_is_refused(
        pair: tuple[Installation, Installation], tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    _, county = pair
    stranger = new_installation("stranger", tmp_path / "stranger", tmp_path_factory)
    setup_township(stranger)
    path = forge(stranger.folder / "x.tbsync", stranger, payload_of(figure_line()))
    refused(county, path, "unknown_key", "未在本机登记")
    stranger.close()


def test_a_changed_payload_is_refused_by_its_hash(pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    from db.figures import save_value

    save_value(township.session, TAIPING, "live_births", 2023, "118")
    township.session.commit()
    good = good_file(township)
    with zipfile.ZipFile(good) as archive:
        payload = archive.read("payload.json").replace(b'"value":"118"', b'"value":"811"')
    refused(county, rewrite(good, county.folder / "x.tbsync", {"payload.json": payload}),
            "payload_mismatch", "SHA-256")


def test_a_changed_manifest_breaks_the_signature(pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    good = good_file(township)
    with zipfile.ZipFile(good) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["scope"]["years"] = [2020, 2021, 2022, 2023]
    raw = json.dumps(manifest, ensure_ascii=False).encode()
    refused(county, rewrite(good, county.folder / "x.tbsync", {"manifest.json": raw}),
            "bad_signature", "签名无效")


def test_figures_for_a_unit_outside_the_senders_subtree_are_refused(
        pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "x.tbsync", township,
                 payload_of(figure_line(), figure_line(unit=DESHENG), figure_line(unit=PANSHAN)))
    refused_records(county, path, f"单位 {DESHENG}", "无权提交", f"单位 {PANSHAN}")


def test_a_sender_cannot_claim_to_be_another_unit(pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "x.tbsync", township, payload_of(figure_line(unit=DESHENG)),
                 unit=DESHENG)
    refused(county, path, "wrong_unit", "签名密钥登记的是")


def test_a_file_from_a_newer_incompatible_format_is_refused(
        pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "x.tbsync", township, payload_of(figure_line()),
                 formatVersion="2.0")
    refused(county, path, "future_version", "更新版本")
    newer_minor = forge(township.folder / "y.tbsync", township, payload_of(figure_line()),
                        formatVersion="1.7")
    assert import_sync_file(county.session, newer_minor, dry_run=True).figures


def test_a_wrong_format_marker_or_version_is_refused(
        pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    refused(county, forge(township.folder / "a.tbsync", township, payload_of(figure_line()),
                          format="other"), "not_sync_file", "不是填报软件的交换文件")
    refused(county, forge(township.folder / "b.tbsync", township, payload_of(figure_line()),
                          formatVersion="one"), "bad_version", "格式版本")


def test_a_truncated_file_is_refused(pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    data = good_file(township).read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        path = county.folder / f"cut{cut}.tbsync"
        path.write_bytes(data[:cut])
        refused(county, path, "damaged", "不完整或已损坏")


def test_a_zip_entry_climbing_out_with_dot_dot_is_refused(
        pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "x.tbsync", township, payload_of(figure_line()),
                 extra_entries={"../../evil.txt": b"boo"})
    refused(county, path, "unsafe_entry", "不安全的条目名")


def test_a_decompression_bomb_is_refused_before_it_is_inflated(
        pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    # A valid payload followed by 200 MB of spaces: one figure cannot need that many bytes.
    bomb = payload_of(figure_line()).encode() + b" " * (200 * 1024**2)
    path = forge(township.folder / "bomb.tbsync", township, bomb, compress_level=9,
                 counts={"orgUnits": 0, "dataValues": 1, "goalProgress": 0, "auditEntries": 0})
    assert path.stat().st_size < 1024**2
    refused(county, path, "too_large", "超出允许范围")
    # Declared honestly as a million figures, the ratio still gives it away.
    path = forge(township.folder / "bomb2.tbsync", township, bomb, compress_level=9,
                 counts={"orgUnits": 0, "dataValues": 1_000_000, "goalProgress": 0,
                         "auditEntries": 0})
    refused(county, path, "bomb", "压缩炸弹")


def test_duplicated_figures_in_one_file_are_refused(
        pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "x.tbsync", township,
                 payload_of(figure_line(), figure_line(value="120")))
    refused_records(county, path, "重复出现")


def test_unknown_codes_and_text_for_a_number_are_refused(
        pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "x.tbsync", township, payload_of(
        figure_line(code="no_such_indicator"),
        figure_line(code="maternal_deaths", value="两人"),
        figure_line(code="maternal_deaths", year="2024", value="1,5"),
        figure_line(year="2031"),
        figure_line(code="live_births", year="2022", dis="age_99")))
    preview = refused_records(county, path, "no_such_indicator", "“两人”不是数字", "1,5",
                              "2031", "age_99")
    assert preview.findings_total == 5


def test_a_renamed_file_is_refused(pair: tuple[Installation, Installation]) -> None:
    _, county = pair
    pdf = county.folder / "report.tbsync"
    pdf.write_bytes(b"%PDF-1.7\n" + b"x" * 100)
    refused(county, pdf, "not_sync_file", "改了扩展名")
    workbook = county.folder / "template.tbsync"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    workbook.write_bytes(buffer.getvalue())
    refused(county, workbook, "not_sync_file", "缺少清单")


def test_counts_that_disagree_with_the_manifest_are_refused(
        pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "x.tbsync", township, payload_of(figure_line()),
                 counts={"orgUnits": 0, "dataValues": 2, "goalProgress": 0, "auditEntries": 0})
    refused(county, path, "count_mismatch", "条数与清单不符")


def test_a_catalogue_update_is_not_a_figures_file(pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "x.tbsync", township, payload_of(), kind="catalogue")
    refused(county, path, "wrong_kind", "目录更新文件")

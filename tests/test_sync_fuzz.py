"""Fuzzing the sync file reader: no input makes it raise anything but its own clear error
(:class:`SyncError`), and the streaming JSON reader reads what ``json.loads`` reads."""

from __future__ import annotations

import contextlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sync_helpers import (
    TAIPING,
    Installation,
    figure_line,
    forge,
    payload_of,
    registered_pair,
    state,
)

from db.sync.format import (
    MANIFEST_ENTRY,
    PAYLOAD_ENTRY,
    SIGNATURE_ENTRY,
    JsonStream,
    SyncError,
    schema_errors,
)
from db.sync.import_ import import_sync_file

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Installation, Installation]]:
    with registered_pair(tmp_path_factory.mktemp("fuzz"), tmp_path_factory) as pair:
        yield pair


@pytest.fixture(scope="module")
def good_file(pair: tuple[Installation, Installation]) -> bytes:
    township, _ = pair
    path = forge(township.folder / "good.tbsync", township, payload_of(
        figure_line(), figure_line(code="maternal_deaths", value="0")))
    return path.read_bytes()


def attempt(county: Installation, path: Path) -> None:
    """Import as a dry run: a preview or a SyncError, never another exception."""
    try:
        import_sync_file(county.session, path, dry_run=True)
    except SyncError as error:
        assert str(error) and error.code


def backups(county: Installation) -> list[str]:
    folder = Path(str(county.engine.url.database)).parent / "backups"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def refused_and_unchanged(county: Installation, path: Path) -> None:
    """A real (not dry-run) import of ``path`` is refused — as a whole with the importer's own
    error, or record by record — and the database, and its backups, are as they were."""
    before = state(county.session), backups(county)
    try:
        preview = import_sync_file(county.session, path)
    except SyncError as error:
        assert str(error) and error.code
    else:
        assert preview.refused and not preview.applied
    assert (state(county.session), backups(county)) == before


def summary(county: Installation, path: Path) -> tuple[Any, ...]:
    preview = import_sync_file(county.session, path, dry_run=True)
    return (preview.sender_unit, preview.fingerprint, preview.created_at, preview.years,
            preview.refused, preview.changes,
            repr(preview.totals), preview.audit_new)


@FUZZ
@given(data=st.binary(max_size=2000))
def test_any_bytes_are_refused_clearly(pair: tuple[Installation, Installation],
                                       tmp_path_factory: pytest.TempPathFactory,
                                       data: bytes) -> None:
    _, county = pair
    path = county.folder / "fuzz.tbsync"
    path.write_bytes(data)
    refused_and_unchanged(county, path)


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1,
                      max_size=6),
       cut=st.one_of(st.none(), st.integers(min_value=0)))
def test_a_damaged_sync_file_is_refused_clearly(pair: tuple[Installation, Installation],
                                                good_file: bytes,
                                                edits: list[tuple[int, int]],
                                                cut: int | None) -> None:
    _, county = pair
    data = bytearray(good_file)
    for position, byte in edits:
        data[position % len(data)] = byte
    if cut is not None:
        data = data[:cut % len(data)]
    assume(bytes(data) != good_file)
    path = county.folder / "damaged.tbsync"
    path.write_bytes(bytes(data))
    try:
        damaged = summary(county, path)
    except SyncError:
        refused_and_unchanged(county, path)
        return
    # Accepted only if the change hit zip bookkeeping outside the signed parts (a timestamp):
    # then the file says exactly what the signed original says.
    good = county.folder / "good.tbsync"
    good.write_bytes(good_file)
    assert damaged == summary(county, good)


@FUZZ
@given(entry=st.sampled_from([MANIFEST_ENTRY, PAYLOAD_ENTRY, SIGNATURE_ENTRY]),
       edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1,
                      max_size=4),
       cut=st.one_of(st.none(), st.integers(min_value=0)))
def test_a_file_whose_signed_contents_were_changed_is_refused_and_nothing_is_written(
        pair: tuple[Installation, Installation], good_file: bytes, entry: str,
        edits: list[tuple[int, int]], cut: int | None) -> None:
    import io

    _, county = pair
    source = zipfile.ZipFile(io.BytesIO(good_file))
    names = source.namelist()
    content = bytearray(source.read(entry))
    for position, byte in edits:
        content[position % len(content)] = byte
    if cut is not None:
        content = content[:cut % max(len(content), 1)]
    assume(bytes(content) != source.read(entry))
    path = county.folder / "tampered.tbsync"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            target.writestr(name, bytes(content) if name == entry else source.read(name))
    before = state(county.session), backups(county)
    with pytest.raises(SyncError):  # the signature or the payload's hash no longer matches
        import_sync_file(county.session, path)
    assert (state(county.session), backups(county)) == before


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                         st.floats(allow_nan=False, allow_infinity=False),
                         st.text(max_size=30))
JSON = st.recursive(JSON_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children,
                                                    max_size=4)), max_leaves=12)
FIELD_VALUES = st.one_of(JSON_SCALARS, st.sampled_from(
    ["2023", "2031", "0", "118", "1e3", "-5", "一百", TAIPING, "211122", "live_births",
     "maternal_deaths", "total", "female", "default", "approved", "submitted",
     "2025-03-01T08:00:00Z", "2025-13-01", ""]))
FIELDS = ["dataElement", "period", "orgUnit", "categoryOptionCombo", "value", "storedBy",
          "lastUpdated", "comment", "status", "enteredDirectly", "deleted"]


def records() -> st.SearchStrategy[Any]:
    mutated = st.builds(
        lambda base, changes, dropped: {k: v for k, v in {**base, **changes}.items()
                                        if k not in dropped},
        st.just(figure_line()),
        st.dictionaries(st.sampled_from(FIELDS), FIELD_VALUES, max_size=4),
        st.sets(st.sampled_from(FIELDS), max_size=2))
    return st.one_of(mutated, JSON)


@FUZZ
@given(values=st.lists(records(), max_size=6),
       extra=st.dictionaries(st.sampled_from(["orgUnits", "goalProgress", "auditEntries",
                                              "other"]), st.lists(JSON, max_size=3),
                             max_size=3))
def test_any_signed_payload_gives_a_preview_or_a_clear_refusal(
        pair: tuple[Installation, Installation], values: list[Any],
        extra: dict[str, Any]) -> None:
    township, county = pair
    document = {"dataValues": values, **extra}
    path = forge(township.folder / "signed.tbsync", township,
                 json.dumps(document, ensure_ascii=False),
                 counts={name: len(document.get(name, [])) for name in
                         ("orgUnits", "dataValues", "goalProgress", "auditEntries")})
    before = state(county.session)
    attempt(county, path)
    assert state(county.session) == before


@FUZZ
@given(record=records())
def test_a_figure_the_schema_rejects_is_rejected_by_the_importer(
        pair: tuple[Installation, Installation], record: Any) -> None:
    township, county = pair
    # The importer checks figures by hand for speed; it must be at least as strict as the
    # published JSON Schema it documents.
    assume(schema_errors(record, "syncDataValue"))
    path = forge(township.folder / "schema.tbsync", township, payload_of(record))
    try:
        preview = import_sync_file(county.session, path, dry_run=True)
    except SyncError:
        return
    assert preview.refused or preview.skipped == 1


@settings(max_examples=150, deadline=None)
@given(document=st.dictionaries(st.text(max_size=8), JSON, max_size=4),
       items=st.lists(JSON, max_size=8), chunk=st.one_of(st.integers(1, 7), st.integers(8, 400)),
       spaces=st.sampled_from(["", " ", "\n", " \r\n\t"]))
def test_the_streaming_reader_reads_what_json_loads_reads(
        document: dict[str, Any], items: list[Any], chunk: int, spaces: str) -> None:
    document = {**document, "dataValues": items}
    text = json.dumps(document, ensure_ascii=False, indent=1 if spaces else None)
    text = spaces + text + spaces
    pieces = iter([text[i:i + chunk] for i in range(0, len(text), chunk)])
    members = list(JsonStream(lambda: next(pieces, ""), frozenset({"dataValues"})).members())
    assert [v for name, i, v in members if name == "dataValues"] == items
    others = {name: v for name, i, v in members if i is None and name != "dataValues"}
    assert others == {k: v for k, v in json.loads(text).items() if k != "dataValues"}


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=60), st.text(alphabet='{}[]",:0123456789 tfnul\\',
                                                      max_size=60)),
       chunk=st.integers(1, 9))
def test_the_streaming_reader_raises_only_its_own_error(text: str, chunk: int) -> None:
    pieces = iter([text[i:i + chunk] for i in range(0, len(text), chunk)])
    with contextlib.suppress(SyncError):
        list(JsonStream(lambda: next(pieces, ""), frozenset({"dataValues"})).members())


def test_a_manifest_that_is_not_json_is_refused(pair: tuple[Installation, Installation],
                                                good_file: bytes) -> None:
    _, county = pair
    path = county.folder / "bad-manifest.tbsync"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", b"\xff\xfe not json")
        archive.writestr("payload.json", b"{}")
    with pytest.raises(SyncError, match="清单"):
        import_sync_file(county.session, path)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                       st.integers(-5, 200_000).map(float),
                       st.sampled_from([0.0, 100.0, 100.5, 300.0, 300.5, 1000.0, 1000.5,
                                        100_000.0, 1e8, 1e8 + 1, 30.5, 150.5, 1e300])),
       position=st.integers(min_value=0))
def test_the_fast_path_never_lets_through_what_check_value_refuses(
        pair: tuple[Installation, Installation], value: float, position: int) -> None:
    from db.checks import check_value
    from db.models import Indicator
    from db.sync.compare import value_bounds

    session = pair[1].session
    indicators = _catalogue_indicators(session)
    indicator = indicators[position % len(indicators)]
    upper, whole = value_bounds(indicator)
    if 0 <= value <= upper and not (whole and not value.is_integer()):
        errors = [f for f in check_value(indicator, value, "total") if f.severity == "error"]
        assert errors == [], (indicator.code, value)
    assert isinstance(indicator, Indicator)


_INDICATORS: list[Any] = []


def _catalogue_indicators(session: Any) -> list[Any]:
    if not _INDICATORS:
        from sqlalchemy import select

        from db.models import Indicator

        _INDICATORS.extend(session.scalars(select(Indicator).order_by(Indicator.code)))
    return _INDICATORS

"""No input makes the catalogue reader or the values CSV reader raise anything but their own
clear error (CatalogueError, ValuesCsvError) — or, for the CSV, findings in the report.

Mutated copies of the shipped catalogue files (bytes flipped, cut, inserted; YAML nodes replaced,
dropped, duplicated) and of a valid values file, plus arbitrary bytes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from db.catalogue import CatalogueError, read_catalogue
from db.importing.csv_values import ValuesCsvError, import_values_csv, read_values_csv
from resources import CATALOGUE_DIR
from tests.demo_county import TAIPING, add_demo_county, open_session

# indicators.yaml, one plan and the explanations: the reader's every path, at a third of the
# cost of all five.
FILES = ("indicators.yaml", "plan_211122.yaml", "explanations.yaml")
ORIGINALS = {name: (CATALOGUE_DIR / name).read_bytes() for name in FILES}
PARSED = {name: yaml.safe_load(data) for name, data in ORIGINALS.items()}
# TIANBAO_FUZZ_EXAMPLES=5000 for a long hunt; the default keeps the suite's run short.
FUZZ = settings(max_examples=int(os.environ.get("TIANBAO_FUZZ_EXAMPLES", "120")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
                    st.sampled_from(["", "women_20_64", "211122", "≥", "2030", "rate", "%"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)


def read_mutated(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            (Path(folder) / name).write_bytes(data)
        try:
            read_catalogue(Path(folder))
        except CatalogueError as error:
            assert str(error).startswith("目录文件 ")


def test_the_unmutated_subset_reads() -> None:
    read_mutated(dict(ORIGINALS))  # so a mutation, not the subset, is what a failure is about


@FUZZ
@given(st.data())
def test_mutated_bytes_raise_only_catalogue_errors(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(FILES))
    content = bytearray(ORIGINALS[name])
    for _ in range(data.draw(st.integers(1, 4))):
        where = data.draw(st.integers(0, len(content)))
        operation = data.draw(st.sampled_from(["flip", "cut", "insert", "delete", "truncate"]))
        if operation == "flip" and where < len(content):
            content[where] = data.draw(st.integers(0, 255))
        elif operation == "insert":
            content[where:where] = data.draw(st.one_of(
                st.binary(max_size=20),
                st.sampled_from([b"\n- ", b": ", b"&a [*a]", b"\t", b"'", b"\xff\xfe",
                                 b"!!python/object:os.system ", b"\n  - id: x\n"])))
        elif operation == "delete":
            del content[where:where + data.draw(st.integers(1, 200))]
        elif operation == "truncate":
            del content[where:]
        elif operation == "cut" and content:
            line = content.find(b"\n", where)
            content[where:line if line >= 0 else len(content)] = b""
    read_mutated({**ORIGINALS, name: bytes(content)})


def nodes(tree: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from nodes(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from nodes(value, (*path, index))


@FUZZ
@given(st.data())
def test_mutated_yaml_trees_raise_only_catalogue_errors(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(FILES))
    tree = yaml.safe_load(ORIGINALS[name])  # a fresh copy to change
    paths = list(nodes(tree))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        if not path:
            tree = data.draw(values)
            break
        parent: Any = tree
        try:
            for key in path[:-1]:
                parent = parent[key]
            last = path[-1]
            parent[last]
        except (KeyError, IndexError, TypeError):
            continue
        operation = data.draw(st.sampled_from(["replace", "drop", "duplicate"]))
        if operation == "replace":
            parent[last] = data.draw(values)
        elif operation == "drop":
            del parent[last]
        elif isinstance(parent, list):
            parent.insert(last, parent[last])  # a repeated code or id
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    read_mutated({**ORIGINALS, name: text.encode("utf-8")})


@pytest.mark.parametrize("text", [
    "a: &x [*x]\n",  # a list that contains itself
    "indicators: &x\n  - *x\n",
    "---\n...\n---\nindicators: []\n",  # two documents
    "indicators:\n" + "  - [" * 200 + "]" * 200 + "\n",  # deep nesting
    "\ufeffindicators: []\n",
    "",
])
def test_hostile_yaml_raises_only_catalogue_errors(text: str) -> None:
    for name in FILES:
        read_mutated({**ORIGINALS, name: text.encode("utf-8")})


# ---------------------------------------------------------------------------- values CSV


@pytest.fixture(scope="module")
def county_session() -> Iterator[Session]:
    with tempfile.TemporaryDirectory() as folder:
        for session in open_session(Path(folder)):
            add_demo_county(session)
            yield session


VALID_CSV = (
    "unit,code,year,sex,value,comment\n"
    f"{TAIPING},maternal_deaths,2024,,3,\n"
    f"{TAIPING},live_births,2024,合计,1200,备注\n"
    f"{TAIPING},women_20_64,2024,女,5000,\n"
).encode()


def check_csv(session: Session, data: bytes) -> None:
    try:
        rows, report = read_values_csv(session, data, "fuzz.csv")
        assert report.rows_read >= len(rows)
        imported = import_values_csv(session, data, dry_run=True)
        assert not imported.applied
    except ValuesCsvError as error:
        assert str(error)
    finally:
        session.rollback()


@FUZZ
@given(data=st.binary(max_size=400))
@example(data=b"PK\x03\x04rest")
@example(data=b"\xff\xfe" + "unit\tcode".encode("utf-16-le"))
@example(data=b"\"unterminated,quote\n")
@example(data=b"unit,code,year,value\n\x00,\x00,\x00,\x00\n")
def test_arbitrary_bytes_give_a_report_or_a_values_csv_error(
    county_session: Session, data: bytes
) -> None:
    check_csv(county_session, data)


@FUZZ
@given(st.data())
def test_mutated_values_files_give_a_report_or_a_values_csv_error(
    county_session: Session, data: st.DataObject
) -> None:
    content = bytearray(VALID_CSV)
    for _ in range(data.draw(st.integers(1, 4))):
        where = data.draw(st.integers(0, len(content)))
        insert = data.draw(st.one_of(
            st.binary(max_size=8),
            st.text(max_size=8).map(lambda s: s.encode("utf-8")),
            st.sampled_from([b",", b"\n", b"\"", b"1e308", b"-0", b"nan", b"2020.5",
                             b"\xe5\xa5\xb3", b"\r", b"\t", "１２３".encode(), b"%"])))
        if data.draw(st.booleans()):
            content[where:where] = insert
        else:
            content[where:where + len(insert)] = insert
    check_csv(county_session, bytes(content))


def test_the_shipped_catalogue_still_reads(tmp_path: Path) -> None:
    # The fuzzed reader is the one the app uses on the real files.
    shutil.copytree(CATALOGUE_DIR, tmp_path / "catalogue")
    assert read_catalogue(tmp_path / "catalogue").plans

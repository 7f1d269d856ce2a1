"""The loader: YAML 1.2 scalars, keys, tags, anchors, limits, syntax errors and positions.

Every location below is counted by hand from the YAML text next to it (lines and columns
are 1-based, as an editor shows them).
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ghafmemgen.errors import FleetError, UsageError
from ghafmemgen.findings import Finding
from ghafmemgen.source.document import Document, json_path
from ghafmemgen.source.loader import Limits, load, parse


def loads(text: str, **limits: int) -> Any:
    return parse(text, file="f.yaml", limits=Limits(**limits)).data


def refused(text: str, **limits: int) -> Finding:
    """The single GMG001 finding that the loader raises for `text`."""
    with pytest.raises(FleetError) as caught:
        parse(text, file="f.yaml", limits=Limits(**limits))
    (finding,) = caught.value.findings
    assert finding.rule == "GMG001"
    assert finding.severity == "error"
    assert finding.file == "f.yaml"
    return finding


def at(finding: Finding) -> tuple[int, int]:
    return (finding.line, finding.column)


# --- YAML 1.2 scalars -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        # YAML 1.1 booleans are plain strings in YAML 1.2
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("Yes", "Yes"),
        # 1.2 booleans
        ("true", True),
        ("True", True),
        ("FALSE", False),
        # octal needs 0o in 1.2 (0777 is refused below)
        ("0", 0),
        ("0o17", 15),  # 1*8 + 7
        ("0x1F", 31),  # 16 + 15
        ("-3", -3),
        ("+12", 12),
        # floats
        ("1.5", 1.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("-2.5E-1", -0.25),
        # the null forms
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("", None),
        # 1.1-only forms stay strings
        ("0b101", "0b101"),
        ("12:30", "12:30"),
        ("1_000", "1_000"),
        ("'5'", "5"),
        ('"true"', "true"),
    ],
)
def test_yaml_1_2_scalars(plain: str, expected: object) -> None:
    value = loads(f"a: {plain}\n")["a"]
    assert value == expected
    assert type(value) is type(expected)  # True == 1, so compare types too


@pytest.mark.parametrize(("plain", "advice"), [("0777", "777, or 0o777"), ("0089", "write 89 (")])
def test_leading_zero_is_refused_rather_than_guessed(plain: str, advice: str) -> None:
    # YAML 1.2 reads 0777 as 777, YAML 1.1 (PyYAML, older editor plugins) as octal 511: a
    # size must not depend on which one the author had in mind. The project refuses it.
    finding = refused(f"a: 1\nb: {plain}\n")
    assert at(finding) == (2, 4)
    assert "leading zero" in finding.message
    assert advice in finding.message


@pytest.mark.parametrize("word", [".inf", "-.Inf", ".NaN"])
def test_infinity_and_nan_are_refused_at_the_value(word: str) -> None:
    finding = refused(f"a: 1\nb: {word}\n")
    assert at(finding) == (2, 4)  # "b: " is three columns
    assert "no NaN or infinity" in finding.message


def test_huge_integer_is_refused_not_parsed() -> None:
    finding = refused("a: " + "9" * 40 + "\n")
    assert at(finding) == (1, 4)
    assert "40 digits" in finding.message


# --- duplicate keys: reported at the SECOND occurrence -----------------------------------

FLEET = """\
version: 1
host:
  name: laptop
  ram: 32GiB
  swap:
    size: 12GiB
vms:
  net-vm:
    kind: system
    mem: 1GiB
profiles:
  low:
    host: {ram: 16GiB}
    vms:
      net-vm: {mem: 512}
"""
#  line  1 version / 2 host / 3 name / 4 ram / 5 swap / 6 size / 7 vms / 8 net-vm /
#  9 kind / 10 mem / 11 profiles / 12 low / 13 host (profile) / 14 vms / 15 net-vm


def insert_after(text: str, line: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join([*lines[:line], new + "\n", *lines[line:]])


def test_fleet_template_loads() -> None:
    assert loads(FLEET)["profiles"]["low"]["vms"] == {"net-vm": {"mem": 512}}


@pytest.mark.parametrize(
    ("after", "new", "where", "first", "key"),
    [
        (15, "version: 1", (16, 1), 1, "version"),  # top level
        (4, "  ram: 16GiB", (5, 3), 4, "ram"),  # host
        (6, "    size: 1GiB", (7, 5), 6, "size"),  # host.swap
        (10, "  net-vm: {kind: app, mem: 1}", (11, 3), 8, "net-vm"),  # vms
        (10, "    mem: 2GiB", (11, 5), 10, "mem"),  # a VM
        (15, "  low: {}", (16, 3), 12, "low"),  # profiles
        (15, "      net-vm: {mem: 1}", (16, 7), 15, "net-vm"),  # a profile's vms
        (15, "    host: {}", (16, 5), 13, "host"),  # a profile
    ],
)
def test_duplicate_key_is_located_at_its_second_occurrence(
    after: int, new: str, where: tuple[int, int], first: int, key: str
) -> None:
    finding = refused(insert_after(FLEET, after, new))
    assert at(finding) == where
    assert f"duplicate key {key!r}" in finding.message
    assert f"first defined on line {first}" in finding.message


def test_duplicate_key_in_a_flow_mapping() -> None:
    finding = refused("a: {mem: 1, mem: 2}\n")
    # a=1 :=2 sp=3 {=4 m=5..7 :=8 1=10 ,=11 sp=12 m=13
    assert at(finding) == (1, 13)


def test_same_key_in_different_mappings_is_fine() -> None:
    assert loads("a: {x: 1}\nb: {x: 2}\n") == {"a": {"x": 1}, "b": {"x": 2}}


# --- keys must be strings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("a: 1\n1: x\n", (2, 1), "read as an integer"),
        ("a: 1\n  \ntrue: x\n", (3, 1), "read as a boolean"),
        ("null: x\n", (1, 1), "read as null"),
        ("~: x\n", (1, 1), "read as null"),
        ("a:\n  1.5: x\n", (2, 3), "read as a number"),
        ("? [a, b]\n: x\n", (1, 3), "not collections"),
        ("a:\n  {b: 1}: x\n", (2, 3), "not collections"),
    ],
)
def test_non_string_keys_are_refused(text: str, where: tuple[int, int], words: str) -> None:
    finding = refused(text)
    assert at(finding) == where
    assert words in finding.message


def test_quoted_number_is_a_string_key() -> None:
    assert loads("'1': x\n\"true\": y\n") == {"1": "x", "true": "y"}


# --- tags --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: !foo x\n", (1, 4)),
        ("a: 1\nb: !!python/object:os.system echo\n", (2, 4)),
        ("a: !!binary aGVsbG8=\n", (1, 4)),
        ("a: !foo {b: 1}\n", (1, 4)),
        ("a: !foo [1]\n", (1, 4)),
        ("a: !!set {b: 1}\n", (1, 4)),
        ("a: !!int x\n", (1, 4)),  # a standard tag that does not fit its value
    ],
)
def test_custom_tags_are_refused_at_the_node(text: str, where: tuple[int, int]) -> None:
    finding = refused(text)
    assert at(finding) == where
    assert "tag" in finding.message
    assert "drop the tag" in finding.message


def test_tag_in_message_is_written_as_in_the_file() -> None:
    assert "!!binary" in refused("a: !!binary aGVsbG8=\n").message


def test_standard_tags_are_accepted() -> None:
    data = loads("a: !!str 5\nb: !!int '7'\nc: !!float 1\nd: !!bool true\ne: ! 12\n")
    assert data == {"a": "5", "b": 7, "c": 1.0, "d": True, "e": "12"}
    assert type(data["c"]) is float


# --- anchors, aliases, merge keys ------------------------------------------------------


def test_alias_repeats_the_anchored_value() -> None:
    data = loads("a: &x {kind: app, mem: 1GiB}\nb: *x\nc: [*x, &y 5, *y]\n")
    assert data["b"] == {"kind": "app", "mem": "1GiB"}
    assert data["c"] == [data["a"], 5, 5]


def test_merge_key_explicit_keys_win() -> None:
    text = "base: &b {kind: app, mem: 1, vcpu: 2}\nvm:\n  <<: *b\n  mem: 3\n"
    assert loads(text)["vm"] == {"kind": "app", "mem": 3, "vcpu": 2}


def test_merge_key_list_earlier_mapping_wins() -> None:
    text = "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n"
    assert loads(text)["c"] == {"x": 1, "y": 2}


def test_merge_key_needs_mappings() -> None:
    finding = refused("a: &a [1]\nb:\n  <<: *a\n")
    assert at(finding) == (3, 7)  # the alias after "  <<: "
    assert "merge key" in finding.message


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    assert loads("'<<': {a: 1}\n") == {"<<": {"a": 1}}


def test_undefined_alias_is_refused() -> None:
    finding = refused("a: 1\nb: *nope\n")
    assert at(finding) == (2, 4)
    assert "*nope" in finding.message


def test_merged_keys_are_located_at_the_merge_key() -> None:
    text = "base: &b {mem: 1}\nvm:\n  <<: *b\n  kind: app\n"
    doc = parse(text, file="f.yaml")
    # "  <<" is at line 3, column 3; kind is written on line 4
    assert doc.positions.key(("vm", "mem")) == (3, 3)
    assert doc.positions.key(("vm", "kind")) == (4, 3)


# --- alias expansion limit -------------------------------------------------------------


def laughs(levels: int) -> str:
    """The classic: each level is a list of nine aliases of the level before."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_with_a_clear_message() -> None:
    # Fully expanded, nine levels would be 9**9 = 387,420,489 strings; the loader must stop
    # long before (the test could not finish otherwise). Node sizes: l0 = 1 + 9 = 10,
    # l1 = 1 + 9*10 = 91, l2 = 820, l3 = 7381, l4 = 66430; the aliases inside l4 add
    # 9 * 7381 = 66429 nodes, on top of 9*10 + 9*91 + 9*820 = 8289 from l1..l3: 74718.
    # l5's first alias adds 66430 more: 141148 crosses 100,000 right there.
    finding = refused(laughs(9))
    assert "billion laughs" in finding.message
    assert "100000 nodes" in finding.message
    # l5 is line 6: "l5: &l5 [*l4, ..." - the first *l4 is at column 10
    assert at(finding) == (6, 10)


def test_alias_limit_counts_the_nodes_an_alias_adds() -> None:
    # [1, 2, 3] is four nodes (the list and three scalars); five aliases add 5 * 4 = 20.
    text = "t: &t [1, 2, 3]\nu: [*t, *t, *t, *t, *t]\n"
    assert len(loads(text, max_alias_nodes=20)["u"]) == 5
    finding = refused(text, max_alias_nodes=19)
    assert at(finding) == (2, 21)  # the fifth alias: "u: [" + 4 * "*t, " = 16 characters
    assert "19 nodes" in finding.message


def test_aliases_in_a_large_document_are_counted_by_their_own_size() -> None:
    # 2,000 values come before the anchor; the anchored mapping is three nodes, so 60
    # aliases add 180 nodes, far below the 100,000 default. (A loader that charged each
    # alias with everything read before its anchor would refuse this file.)
    filler = "".join(f"  k{i}: {i}\n" for i in range(2000))
    uses = "".join(f"u{i}: *t\n" for i in range(60))
    data = loads("filler:\n" + filler + "tmpl: &t {a: 1, b: 2}\n" + uses)
    assert data["u59"] == {"a": 1, "b": 2}


# --- depth limit -----------------------------------------------------------------------


def test_depth_limit() -> None:
    # The root mapping is level 1: three levels load, four do not.
    assert loads("a: {b: {c: 1}}\n", max_depth=3) == {"a": {"b": {"c": 1}}}
    finding = refused("a: {b: {c: {d: 1}}}\n", max_depth=3)
    assert at(finding) == (1, 12)  # the fourth "{"
    assert "deeper than 3 levels" in finding.message
    assert "--max-depth" in finding.message


def test_default_depth_limit_is_64() -> None:
    # a: followed by 64 nested lists: the 64th list is level 65
    finding = refused("a: " + "[" * 64 + "]" * 64 + "\n")
    assert at(finding) == (1, 4 + 63)
    assert "deeper than 64 levels" in finding.message


# --- syntax errors ---------------------------------------------------------------------


def test_tab_indentation_is_located_and_explained() -> None:
    finding = refused("version: 1\nhost:\n\tram: 1\n")
    assert at(finding) == (3, 1)
    assert finding.message.startswith("YAML syntax:")
    assert "tabs" in finding.message


def test_unclosed_quote_is_located_at_the_opening_quote() -> None:
    finding = refused("version: 1\nhost: 'laptop\nvms: {}\n")
    # The parser only notices at the end of the file (line 4); the mistake is the quote
    # that opens on line 2 at column 7 ("host: " is six characters).
    assert at(finding) == (2, 7)
    assert "quoted scalar" in finding.message


def test_bad_indentation() -> None:
    finding = refused("host:\n  ram: 1\n name: x\n")
    assert at(finding) == (3, 2)  # " name" is indented by one space
    assert "YAML syntax" in finding.message


def test_mapping_value_in_a_plain_scalar() -> None:
    finding = refused("a: b: c\n")
    assert at(finding) == (1, 5)  # the second ':'


def test_unclosed_flow_sequence() -> None:
    finding = refused("a: [1, 2\nb: 3\n")
    assert finding.message.startswith("YAML syntax:")
    assert "flow sequence" in finding.message
    assert finding.line == 2


def test_empty_file() -> None:
    finding = refused("")
    assert at(finding) == (1, 1)
    assert "no YAML document" in finding.message


def test_comment_only_file_is_located_at_the_start() -> None:
    finding = refused("# only a comment\n# and another\n")
    assert at(finding) == (1, 1)
    assert "no YAML document" in finding.message


def test_columns_count_characters_not_bytes() -> None:
    # "ä" is two bytes in UTF-8 but one column in an editor:
    # a=1 :=2 sp=3 {=4 b=5 :=6 sp=7 "=8 ä=9 "=10 ,=11 sp=12 b=13
    finding = refused('a: {b: "ä", b: 1}\n')
    assert at(finding) == (1, 13)


def test_multiple_documents() -> None:
    finding = refused("a: 1\n---\nb: 2\n")
    assert at(finding) == (2, 1)
    assert "second YAML document" in finding.message


def test_explicit_document_markers_around_one_document() -> None:
    assert loads("---\na: 1\n...\n") == {"a": 1}


# --- files: encoding, size, IO ---------------------------------------------------------


def test_bom_is_accepted_and_does_not_shift_columns(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\nb: 2\n")
    doc = load(path)
    assert doc.data == {"a": 1, "b": 2}
    assert doc.positions.key(("a",)) == (1, 1)
    assert doc.positions.value(("a",)) == (1, 4)


def test_non_utf8_byte_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(FleetError) as caught:
        load(path)
    (finding,) = caught.value.findings
    assert (finding.line, finding.column) == (2, 7)  # "b: caf" is six bytes
    assert "not UTF-8" in finding.message
    assert "0xe9" in finding.message
    assert finding.file == str(path)


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * 44 + b"\n")  # 5 + 45 = 50 bytes
    assert load(path, limits=Limits(max_bytes=50)).data == {"a": 1}
    with pytest.raises(FleetError) as caught:
        load(path, limits=Limits(max_bytes=49))
    (finding,) = caught.value.findings
    assert (finding.line, finding.column) == (1, 1)
    assert "50 bytes" in finding.message
    assert "49-byte limit" in finding.message
    assert "--max-size" in finding.message


def test_missing_file_and_directory_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load(tmp_path / "missing.yaml")
    with pytest.raises(UsageError, match="is a directory"):
        load(tmp_path)


# --- the positions side table ----------------------------------------------------------

NESTED = """\
a:
  b: [x, {c: 1}]
  d:
    - e
    -   f: 2
"""


def test_positions_of_keys_and_values() -> None:
    pos = parse(NESTED, file="f.yaml").positions
    assert pos.key(("a",)) == (1, 1)
    assert pos.value(("a",)) == (2, 3)  # the block mapping under a: starts at "b"
    assert pos.key(("a", "b")) == (2, 3)
    assert pos.value(("a", "b")) == (2, 6)  # "[" after "  b: "
    assert pos.value(("a", "b", 0)) == (2, 7)  # x
    assert pos.value(("a", "b", 1)) == (2, 10)  # "{" after "[x, "
    assert pos.key(("a", "b", 1, "c")) == (2, 11)
    assert pos.value(("a", "b", 1, "c")) == (2, 14)
    assert pos.value(("a", "d")) == (4, 5)  # the "-" of the block sequence
    assert pos.value(("a", "d", 0)) == (4, 7)  # e
    assert pos.key(("a", "d", 1, "f")) == (5, 9)  # "    -   f"
    assert pos.value(("a", "d", 1, "f")) == (5, 12)
    assert pos.key(("nope",)) is None


def test_locate_falls_back_to_the_nearest_written_key() -> None:
    doc = parse(NESTED, file="f.yaml")
    assert doc.locate(("a", "b", 1, "c")) == (2, 14)  # the value itself
    assert doc.locate(("a", "b", 1, "c"), at_key=True) == (2, 11)
    # the list item (a block mapping that starts at "f")
    assert doc.locate(("a", "d", 1, "missing")) == (5, 9)
    assert doc.locate(("a", "b", 1, "zz")) == (2, 10)  # the flow mapping's "{"
    assert doc.locate(("a", "zz", "deeper")) == (1, 1)  # key a
    other = parse("# comment\n\nx:\n  y: 1\n", file="f.yaml")
    assert other.locate(("w",)) == (3, 1)  # nothing written: the document itself


def test_locate_prefers_the_profile() -> None:
    doc = parse(FLEET, file="f.yaml")
    assert doc.locate(("host", "ram"), profile="low") == (13, 17)  # "    host: {ram: " + 1
    assert doc.locate(("host", "ram")) == (4, 8)
    # the profile does not write host.swap.size: the base fleet's key
    assert doc.locate(("host", "swap", "size"), profile="low", at_key=True) == (6, 5)
    # a profile VM without mem falls back to the base VM's mem value
    assert doc.locate(("vms", "net-vm", "kind"), profile="low") == (9, 11)


def test_json_path() -> None:
    assert json_path(("vms", "chrome-vm", "mem")) == "$.vms.chrome-vm.mem"
    assert json_path(("lint", "ignore", 2)) == "$.lint.ignore[2]"
    assert json_path(()) == "$"


# a leading "k" keeps the keys plain strings (no "true", "null" or "on"... to resolve)
KEYS = st.text(alphabet=string.ascii_lowercase, max_size=12).map(lambda text: "k" + text)


@given(st.dictionaries(KEYS, st.integers(min_value=0, max_value=10**6), min_size=1))
def test_positions_match_a_generated_block_mapping(mapping: dict[str, int]) -> None:
    text = "".join(f"{key}: {value}\n" for key, value in mapping.items())
    doc: Document = parse(text, file="f.yaml")
    assert doc.data == mapping
    for line, key in enumerate(mapping, start=1):
        assert doc.positions.key((key,)) == (line, 1)
        assert doc.positions.value((key,)) == (line, len(key) + 3)

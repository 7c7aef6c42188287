"""Safe YAML loading: syntax errors, aliases (YAML bombs), duplicate keys, size limits."""

from __future__ import annotations

import tracemalloc

from locus_iac.descriptors import loader

from .conftest import SEED, issues_of, pairs

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
vnfd: {id: x, description: *i}
"""


def test_yaml_bomb_is_refused_with_yaml_alias() -> None:
    tracemalloc.start()
    try:
        issues = issues_of(BILLION_LAUGHS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(i.path, i.code) for i in issues] == [("", "yaml-alias")]
    # refused at the first alias (line 2), before anything is built from it
    assert "line 2" in issues[0].message
    # The bomb would expand to 9**9 strings (gigabytes); refusing it expands nothing.
    # (How long the refusal takes is measured in benchmarks/bench_validation.py.)
    assert peak < 8 * 2**20


def test_a_single_harmless_alias_is_also_refused() -> None:
    text = "vnfd:\n  id: &name x\n  product-name: *name\n"
    assert pairs(issues_of(text)) == {("", "yaml-alias")}


def test_malformed_yaml_reports_line_and_column() -> None:
    text = "vnfd:\n  id: x\n  vdu: [a, b\n  df: []\n"
    issues = issues_of(text)
    assert [i.code for i in issues] == ["yaml-syntax"]
    assert "line 4" in issues[0].message


def test_seed_figure_as_printed_is_not_yaml() -> None:
    """The PDF layout of Figure 35 lost the indentation of list items."""
    issues = issues_of((SEED / "cloud_vnfd_printed_layout.yaml").read_text())
    assert [i.code for i in issues] == ["yaml-syntax"]
    assert "line 5, column 5" in issues[0].message


def test_duplicate_mapping_key_is_an_issue_at_its_second_occurrence() -> None:
    text = "vnfd:\n  id: x\n  df:\n  - id: d\n    vdu-profile: []\n    vdu-profile: []\n  id: y\n"
    issues = issues_of(text)
    assert pairs(issues) == {
        ("/vnfd/df/0/vdu-profile", "duplicate-key"),
        ("/vnfd/id", "duplicate-key"),
    }
    message = next(i.message for i in issues if i.path == "/vnfd/id")
    assert "lines 2 and 7" in message


def test_documents_over_the_size_limit_are_refused_before_parsing() -> None:
    text = "vnfd:\n  description: '" + "x" * (loader.MAX_DOCUMENT_BYTES) + "'\n"
    assert pairs(issues_of(text)) == {("", "too-large")}


def test_deep_nesting_is_refused() -> None:
    depth = loader.MAX_DEPTH + 5
    text = "vnfd: " + "[" * depth + "]" * depth + "\n"
    assert pairs(issues_of(text)) == {("", "too-large")}


def test_several_yaml_documents_are_refused() -> None:
    text = "vnfd: {id: a}\n---\nvnfd: {id: b}\n"
    assert pairs(issues_of(text)) == {("", "multiple-descriptors")}


def test_bytes_that_are_not_utf8_are_refused() -> None:
    issues = issues_of(b"vnfd:\n  id: \xff\xfe\n")
    assert [i.code for i in issues] == ["yaml-syntax"]
    assert "UTF-8" in issues[0].message


def test_python_tags_are_not_constructed() -> None:
    text = "vnfd: !!python/object/apply:os.system ['true']\n"
    assert [i.code for i in issues_of(text)] == ["yaml-syntax"]


def test_a_star_in_text_is_not_an_alias() -> None:
    """A ``*`` sends the text through the event pass, which must not mistake text for aliases."""
    loaded = loader.load_yaml("vnfd:\n  id: x\n  description: 'cpu * 2'\n  glob: a*b\n")
    assert loaded.issues == []
    assert loaded.data == {"vnfd": {"id": "x", "description": "cpu * 2", "glob": "a*b"}}


def test_depth_is_refused_with_and_without_the_event_pass() -> None:
    depth = loader.MAX_DEPTH + 5
    nested = "[" * depth + "]" * depth
    for text in (f"vnfd: {nested}\n", f"vnfd: {nested}\nnote: '*'\n"):
        assert pairs(issues_of(text)) == {("", "too-large")}, text

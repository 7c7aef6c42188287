"""The strict-skips plugin (tests/support/strict_skips.py) on small suites run by pytester."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.strict_skips import ALLOWLIST_ENV, DEFAULT_ALLOWLIST, ENV, parse_allowlist

pytest_plugins = ["pytester"]

SUITE = """
import pytest

@pytest.fixture
def service():
    pytest.skip("the service is not up")

@pytest.mark.skip(reason="marked skip")
def test_marked(): pass

@pytest.mark.skipif(True, reason="condition holds")
def test_skipif(): pass

def test_imperative():
    pytest.skip("decided at run time")

def test_fixture_skip(service): pass

@pytest.mark.xfail(reason="known bug")
def test_xfail(): assert False

@pytest.mark.xfail(reason="stale mark")
def test_xpass(): pass

def test_runs(): assert 1 + 1 == 2
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest('pytest_plugins = ["support.strict_skips"]')
    pytester.makepyfile(test_suite=SUITE)
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.delenv(ALLOWLIST_ENV, raising=False)
    return pytester


def _strict(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, allowlist: str) -> None:
    path = pytester.path / "allow.txt"
    path.write_text(allowlist, encoding="utf-8")
    monkeypatch.setenv(ENV, "1")
    monkeypatch.setenv(ALLOWLIST_ENV, str(path))


def test_without_the_variable_skips_stay_skips(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-ra")
    result.assert_outcomes(passed=1, skipped=4, xfailed=1, xpassed=1)
    assert "strict skips" not in result.stdout.str()


def test_every_kind_of_skip_fails_with_an_empty_allowlist(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _strict(suite, monkeypatch, "# nothing is allowed\n")
    result = suite.runpytest("-ra")
    # the marks and the fixture skip happen at setup: errors; the rest in the call: failures
    result.assert_outcomes(passed=1, failed=3, errors=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    for reason in (
        "marked skip",
        "condition holds",
        "decided at run time",
        "the service is not up",
        "known bug",
        "stale mark",
    ):
        assert f"reason: {reason}" in out
    result.stdout.fnmatch_lines(["*0 skip(s) allowed by *allow.txt, 6 turned into failures*"])
    lines = (suite.path / "test_suite.py").read_text(encoding="utf-8").splitlines()
    line = lines.index('    pytest.skip("decided at run time")') + 1
    result.stdout.fnmatch_lines([f"*(skip at *test_suite.py:{line}) and no entry of *allow.txt*"])


def test_an_entry_allows_only_its_tests_and_reason(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _strict(
        suite,
        monkeypatch,
        "\n".join(
            [
                "test_suite.py::test_fixture_* | ^the service is not up$ "
                "| the service runs elsewhere",
                "test_suite.py::test_marked | ^some other reason | a reason that does not match",
                "*::test_nothing_like_it | marked skip | a node id that does not match",
                "",
            ]
        ),
    )
    result = suite.runpytest("-ra")
    result.assert_outcomes(passed=1, skipped=1, failed=3, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*1 skip(s) allowed by *allow.txt, 5 turned into failures*",
            "ALLOWED test_suite.py::test_fixture_skip: skip: the service is not up",
            "    why (line 1): the service runs elsewhere",
        ]
    )
    result.stdout.fnmatch_lines(["REFUSED test_suite.py::test_marked"])


def test_xfail_is_matched_on_its_reason(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _strict(suite, monkeypatch, "*::test_x* | known bug|stale mark | tracked upstream\n")
    result = suite.runpytest("-ra")
    result.assert_outcomes(passed=1, errors=3, failed=1, xfailed=1, xpassed=1)
    result.stdout.fnmatch_lines(["ALLOWED test_suite.py::test_xpass: xpass: stale mark"])


def test_a_module_level_skip_is_a_collection_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest('pytest_plugins = ["support.strict_skips"]')
    pytester.makepyfile(
        test_mod="""
        import pytest
        pytest.importorskip("a_module_nobody_has")
        def test_never(): pass
    """
    )
    _strict(pytester, monkeypatch, "")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*reason: could not import 'a_module_nobody_has'*"])


def test_first_refused_skip_stops_a_run_with_x(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _strict(suite, monkeypatch, "")
    result = suite.runpytest("-x")
    result.assert_outcomes(errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize(
    "line",
    [
        "test_suite.py::test_marked | marked skip",  # no why
        "test_suite.py::test_marked | marked skip |   ",  # empty why
        "test_suite.py::test_marked | ([ | an unbalanced expression",
    ],
)
def test_a_malformed_allowlist_stops_the_run(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    _strict(suite, monkeypatch, f"# header\n{line}\n")
    result = suite.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*allow.txt:2: *"])


def test_a_missing_allowlist_stops_the_run(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "1")
    monkeypatch.setenv(ALLOWLIST_ENV, str(suite.path / "absent.txt"))
    result = suite.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*LOCUS_STRICT_SKIPS=1 but the allow-list cannot be read*"])


def test_the_repository_allowlist_parses_and_every_entry_says_why() -> None:
    path = Path(DEFAULT_ALLOWLIST)
    entries = parse_allowlist(path.read_text(encoding="utf-8"), path)
    assert all(len(entry.why) >= 20 for entry in entries), entries
    assert len(entries) <= 5, "the allow-list is meant to stay nearly empty"

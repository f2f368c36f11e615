"""max_offline parsing and limits: the same table of cases as tests/core/tst_maxoffline.cpp, so the gate and the
C++ side (console, service) read the key identically."""

import pytest

from ansible_collections.baton.gate.plugins.module_utils.gate_core import MaxOffline

# (text, valid, normalized) — rows of tst_MaxOffline::parse_data
PARSE_CASES = [
    ("count", "2", True, "2"),
    ("freeze", "0", True, "0"),
    ("spaces", " 3\n", True, "3"),
    ("percent", "25%", True, "25%"),
    ("hundred percent", "100%", True, "100%"),
    ("zero percent", "0%", True, "0%"),
    ("over hundred", "101%", False, ""),
    ("negative", "-1", False, ""),
    ("word", "two", False, ""),
    ("fraction", "1.5", False, ""),
    ("empty", "", False, ""),
    ("only percent", "%", False, ""),
    ("space inside", "2 %", False, ""),
    ("huge", "99999999999", False, ""),
]

# (text, instances, limit) — rows of tst_MaxOffline::limits_data
LIMIT_CASES = [
    ("count ignores size", "2", 8, 2),
    ("count above size", "10", 3, 10),
    ("freeze", "0", 8, 0),
    ("percent rounds down", "25%", 10, 2),
    ("percent at least one", "10%", 3, 1),
    ("percent of nothing", "50%", 0, 1),
    ("zero percent freezes", "0%", 10, 0),
    ("all", "100%", 6, 6),
]


@pytest.mark.parametrize("name,text,valid,normalized", PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse(name, text, valid, normalized):
    value, error = MaxOffline.parse(text)
    assert (value is not None) == valid
    if valid:
        assert error is None
        assert value.to_string() == normalized
    else:
        assert error and error.startswith("max_offline ")


@pytest.mark.parametrize("name,text,instances,limit", LIMIT_CASES, ids=[c[0] for c in LIMIT_CASES])
def test_limits(name, text, instances, limit):
    value, _ = MaxOffline.parse(text)
    assert value.limit_for(instances) == limit


def test_reading_the_key():
    missing = MaxOffline.from_kv(None)
    assert missing.value.limit_for(5) == 1
    assert missing.warning == ""
    assert not missing.key_present

    bad = MaxOffline.from_kv(b"lots")
    assert bad.value.limit_for(5) == 1
    assert bad.key_present
    assert "lots" in bad.warning
    assert "default" in bad.warning

    good = MaxOffline.from_kv(b"50%")
    assert good.value.limit_for(6) == 3
    assert good.warning == ""


def test_describe():
    assert MaxOffline.parse("25%")[0].describe(12) == "25% (= 3 of 12)"
    assert MaxOffline.freeze().describe(12) == "0 (frozen)"
    assert MaxOffline().describe(12) == "1"


# The same texts as MaxOffline::parse / fromKv produce in C++, word for word, so an operator sees one message.
def test_messages_match_the_cpp_wording():
    assert MaxOffline.parse("two")[1] == 'max_offline "two" is not a count ("2"), a percentage ("25%") or 0 (freeze)'
    assert MaxOffline.parse(" 101% ")[1] == 'max_offline "101%" is above 100%'
    assert MaxOffline.from_kv(b"lots").warning == (
        'max_offline "lots" is not a count ("2"), a percentage ("25%") or 0 (freeze); using the default of 1')
    # The quoted value is cut to 40 characters, like QString::left(40).
    assert '"%s"' % ("x" * 40) in MaxOffline.parse("x" * 100)[1]
    assert ("x" * 41) not in MaxOffline.parse("x" * 100)[1]


def test_whitespace_is_qt_whitespace():
    # QStringView::trimmed strips Unicode separators and U+0085/U+00A0 ...
    assert MaxOffline.parse("\u00a02\u2003")[0] == MaxOffline.count(2)
    assert MaxOffline.parse("\x853%\t")[0] == MaxOffline.percent(3)
    # ... but not the ASCII information separators that Python's str.strip() would remove.
    assert MaxOffline.parse("\x1c2")[0] is None


def test_only_ascii_digits_count():
    assert MaxOffline.parse("\u0662")[0] is None  # ARABIC-INDIC DIGIT TWO
    assert MaxOffline.parse("+2")[0] is None
    assert MaxOffline.parse("007")[0] == MaxOffline.count(7)


def test_bounds():
    assert MaxOffline.parse("100000")[0] == MaxOffline.count(100000)
    assert MaxOffline.parse("100001")[0] is None
    assert MaxOffline.parse("1234567")[0] is None  # more than six digits


def test_percent_zero_is_frozen_and_keeps_its_text():
    v = MaxOffline.parse("0%")[0]
    assert v.is_frozen()
    assert v.to_string() == "0%"
    assert v.describe(10) == "0% (frozen)"


def test_undecodable_bytes_are_malformed_not_a_crash():
    r = MaxOffline.from_kv(b"\xff\xfe2")
    assert r.key_present
    assert r.value == MaxOffline()
    assert "default of 1" in r.warning


def test_empty_value_is_present_and_malformed():
    r = MaxOffline.from_kv(b"")
    assert r.key_present
    assert r.value.limit_for(10) == 1
    assert r.warning

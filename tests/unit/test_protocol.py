"""The measuring flags of `invoke profile`, declared once in tfopt/plan/protocol.py."""

import re
from dataclasses import fields
from pathlib import Path

import pytest

from tfopt.errors import ConfigError
from tfopt.plan.protocol import Protocol, default_text, flag_help, flag_name

DOCS = Path(__file__).resolve().parents[2] / "docs" / "running.md"


def declared():
    return [f for f in fields(Protocol) if "help" in f.metadata]


def test_flags_read_as_declared_and_unset_flags_keep_their_defaults():
    protocol = Protocol.from_flags(rounds="5", timeout="600", target_ci="5%", race_margin="3", pin=None,
                                   max_minutes=None, race=False)
    assert (protocol.rounds, protocol.timeout_s, protocol.target_ci, protocol.race_margin) == (5, 600.0, 0.05, 0.03)
    assert protocol.repeats == Protocol().repeats and protocol.max_minutes is None and protocol.race is False


@pytest.mark.parametrize("flags, message", [
    ({"rounds": "three"}, "--rounds 'three' is not a number"),
    ({"timeout": "10m"}, "--timeout '10m' is not a number"),
    ({"race_tie": "tight"}, "--race-tie 'tight' is not a percentage"),
])
def test_a_flag_that_does_not_read_is_refused_naming_it(flags, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        Protocol.from_flags(**flags)
    assert info.value.hint.startswith("write e.g. --")


def test_help_shows_each_default_from_the_declaration():
    help = flag_help()
    assert help["rounds"].endswith("(default 3)") and help["timeout"].endswith("(default 1800)")
    assert help["race_margin"].endswith("(default 2%)") and help["max_rounds"].endswith("(default 20)")
    assert "default" not in help["target_ci"] and "default" not in help["race"]


def test_the_docs_table_lists_every_flag_with_its_declared_default():
    rows = dict(re.findall(r"^\| `--([a-z-]+)[^`]*` \| ([^|]+) \|", DOCS.read_text(), re.M))
    for f in declared():
        flag = flag_name(f).replace("_", "-")
        assert flag in rows, f"docs/running.md has no row for --{flag}"
        shown = rows[flag].strip()
        assert shown == (default_text(f) or ("off" if f.default is False else "none")), flag

"""Durations, rates, paces and load profiles as users write them, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadspec.config.units import parse_duration, parse_rate
from loadspec.errors import ConfigError
from loadspec.language.model import PaceKind
from loadspec.language.pace import parse_pace
from loadspec.language.profile import Stage, load_profile, profile_from


@pytest.mark.parametrize(("text", "seconds"), [("500ms", 0.5), ("2s", 2.0), ("1.5m", 90.0)])
def test_durations_have_units(text: str, seconds: float) -> None:
    """ms, s and m are the units; the value is in seconds."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["2", "2 seconds", "-1s", "s", True])
def test_a_duration_without_a_unit_is_refused(text: object) -> None:
    """A bare number, a word or a negative duration is a configuration error."""
    with pytest.raises(ConfigError, match="is not a duration"):
        parse_duration(text)


def test_rates_and_paces() -> None:
    """`30/m` is half a second's worth; a think-time range keeps both ends."""
    assert parse_rate("30/m") == 0.5
    pace = parse_pace(PaceKind.THINK, "0.5s-2s")
    assert (pace.low, pace.high) == (0.5, 2.0)
    with pytest.raises(ConfigError, match="less than its start"):
        parse_pace(PaceKind.THINK, "2s-1s")
    with pytest.raises(ConfigError, match="must be more than zero"):
        parse_rate("0/s")


def test_named_shapes_expand_to_stages() -> None:
    """ramp, steady, spike and step become plain stages, in order."""
    profile = profile_from(
        {
            "stages": [
                {"shape": "ramp", "duration": "10s", "from": 0, "to": 20},
                {"shape": "steady", "duration": "5s", "users": 20},
                {"shape": "spike", "duration": "10s", "users": 5, "peak": 50, "spike": "2s"},
                {"shape": "step", "users": 10, "steps": 3, "every": "4s"},
                {"duration": "1m", "rate": "100/s"},
            ]
        },
        "test",
    )
    assert profile.stages[0] == Stage(10.0, 20, 2.0)
    assert [s.users for s in profile.stages[2:5]] == [5, 50, 5]
    assert [s.users for s in profile.stages[5:8]] == [10, 20, 30]
    assert profile.stages[-1].rate == 100.0
    assert profile.duration == 10 + 5 + 10 + 12 + 60
    assert profile.at(14.0) == profile.stages[1] and profile.at(1000) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stages:\n  - {duration: 5s, users: 3, rate: 2/s}\n", ":2: a stage has users: or rate:"),
        ("stages:\n  - {shape: wave, duration: 5s}\n", ":2: unknown shape 'wave'"),
        ("stages: []\n", ":1: stages: is empty"),
        ("stages:\n  - {users: 3}\n", ":2: a stage needs a duration"),
        ("stage:\n  - {users: 3}\n", "stages: is a list of stages"),
        ("stages:\n  - {duration: -5s, users: 3}\n", ":2: duration '-5s' must not"),
        ("stages:\n  - {duration: 5s, users: 0}\n", ":2: users must be a whole"),
        ("stages:\n  - {duration: 5s, usres: 3}\n", ":2: unknown stage key 'usres'"),
    ],
)
def test_a_bad_profile_names_its_line(tmp_path: Path, text: str, message: str) -> None:
    """Each mistake is one ConfigError naming the file and the stage's line."""
    path = tmp_path / "stages.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_profile(path)
    assert str(caught.value).startswith(str(path))

"""Thresholds: how `--threshold` reads, what it refuses, and what it measures."""

from __future__ import annotations

import pytest

from loadspec.errors import ConfigError, LoadspecError
from loadspec.verdicts.thresholds import (
    AGGREGATES,
    ThresholdResult,
    check_rows,
    evaluate,
    parse_threshold,
)
from tests.verdicts.build import row, run

SECURE_ROWS = {"GET /secure", "/secure"}


@pytest.mark.parametrize(
    ("text", "row_name", "metric", "op", "value"),
    [
        ("p95<300", None, "p95", "<", 300.0),
        ("p99.9 <= 2s", None, "p99.9", "<=", 2000.0),
        ("fail_rate<1%", None, "fail_rate", "<", 0.01),
        ("fail_rate<0.01", None, "fail_rate", "<", 0.01),
        (
            "POST /business/communication/messages:p99<500",
            "POST /business/communication/messages",
            "p99",
            "<",
            500.0,
        ),
        ("WAIT channel_active: max < 5000", "WAIT channel_active", "max", "<", 5000.0),
        ("rps>=100", None, "rps", ">=", 100.0),
    ],
)
def test_parse(text: str, row_name: str | None, metric: str, op: str, value: float) -> None:
    """Rows, metrics, operators and units as documented."""
    threshold = parse_threshold(text)
    found = (threshold.row, threshold.metric, threshold.op, threshold.value, threshold.abort)
    assert found == (row_name, metric, op, value, False)
    assert threshold.text == text


def test_abort_is_a_suffix() -> None:
    """`:abort` marks the threshold, and is no part of its row or value."""
    threshold = parse_threshold("GET /secure:fail_rate<5%:abort")
    assert (threshold.row, threshold.value, threshold.abort) == ("GET /secure", 0.05, True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p95", "is not [ROW:]METRIC<VALUE"),
        ("p95<<3", "is not [ROW:]METRIC<VALUE"),
        ("p95 fast", "is not [ROW:]METRIC<VALUE"),
        ("p95<fast", "is not [ROW:]METRIC<VALUE"),
        ("latency<3", "unknown metric 'latency' (one of avg, max, min, median, pNN"),
        ("p42x<5", "unknown metric 'p42x': did you mean 'p42'?"),
        ("GET /secure:p42x<5", "unknown metric 'p42x': did you mean 'p42'?"),
        ("fail_rat<1%", "unknown metric 'fail_rat': did you mean 'fail_rate'?"),
        ("fail_rate<1", "fail_rate is a share: write it as a percentage ('fail_rate<1%')"),
        ("fail_rate<5ms", "fail_rate is a share"),
        ("p95<5%", "p95 takes no unit '%'"),
        ("requests>5s", "requests takes no unit 's'"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    """A malformed threshold is one clear `ConfigError`: the form, a near name, the unit."""
    with pytest.raises(ConfigError) as raised:
        parse_threshold(text)
    assert message in str(raised.value)
    assert isinstance(raised.value, LoadspecError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("POST /nope:p95<300", "no such row 'POST /nope' (rows: GET /secure)"),
        ("GET /secur:p95<300", "no such row 'GET /secur': did you mean 'GET /secure'?"),
    ],
)
def test_unknown_rows_are_refused(text: str, message: str) -> None:
    """A row the specs never make: its near name, or the rows there are."""
    with pytest.raises(ConfigError, match="no such row") as raised:
        check_rows([parse_threshold(text)], SECURE_ROWS)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    "text", ["p95<1", "GET /secure:p95<1", "/secure:p95<1", "WAIT:p95<1", "CALLBACK deliver:max<1"]
)
def test_known_rows_and_aggregates_pass(text: str) -> None:
    """Rows by `METHOD name` or name, the aggregates, and any callback row are accepted."""
    check_rows([parse_threshold(text)], SECURE_ROWS)


def test_aggregates_are_the_side_kinds() -> None:
    """WAIT and CALLBACK alone name the aggregate of those rows."""
    assert AGGREGATES == ("WAIT", "CALLBACK")


STATS = run(
    row("GET", "/secure", [10, 20, 30, 40, 100], failures=1),
    row("POST", "/echo", [5, 5]),
    row("WAIT", "channel_active", [1000, 3000]),
    row("WAIT", "session_started", [2000]),
    row("CALLBACK", "message.sent", [0, 0, 0], failures=3),
)


@pytest.mark.parametrize(
    ("text", "actual"),
    [
        ("requests>0", 7.0),
        ("failures<1", 1.0),
        ("fail_rate<1%", 1 / 7),
        ("max<1", 100.0),
        ("min<1", 5.0),
        ("avg<1", 30.0),
        ("median<1", 20.0),
        ("p50<1", 20.0),
        ("p99.9<1", 100.0),
        ("rps<1", 0.7),
        ("GET /secure:p95<1", 100.0),
        ("/secure:p60<1", 40.0),
        ("GET /secure:fail_rate<1", 0.2),
        ("POST /echo:avg<1", 5.0),
        ("WAIT:max<1", 3000.0),
        ("WAIT:median<1", 2000.0),
        ("WAIT:requests<1", 3.0),
        ("WAIT channel_active:min<1", 1000.0),
        ("CALLBACK:fail_rate<1", 1.0),
        ("CALLBACK:rps<1", 0.3),
    ],
)
def test_evaluate_measures_the_row_named(text: str, actual: float) -> None:
    """Each metric of the total, of a row by either name, and of the aggregates."""
    (result,) = evaluate([parse_threshold(text.replace("<1", "<0.5"))], STATS)
    assert result.actual == pytest.approx(actual)


def test_a_result_passes_by_its_operator() -> None:
    """The bound is compared with the operator written; equality passes only <= and >=."""
    results = evaluate(
        [parse_threshold(t) for t in ("max<100", "max<=100", "max>=100", "max>100")], STATS
    )
    assert [r.passed for r in results] == [False, True, True, False]


def test_a_row_without_data_never_passes() -> None:
    """No sample in the row (or no such row): no data, not passed; counts still measure 0."""
    stats = run(row("GET", "/secure", [10]), row("POST", "/idle"))
    results = evaluate(
        [parse_threshold(t) for t in ("POST /idle:p95<5", "GET /gone:max<5", "WAIT:p95<5")], stats
    )
    assert [(r.actual, r.passed, r.measured) for r in results] == [(None, False, "no data")] * 3
    (count,) = evaluate([parse_threshold("POST /idle:requests<1")], stats)
    assert (count.actual, count.passed) == (0.0, True)


def test_measured_values_never_read_in_scientific_notation() -> None:
    """A request count of 11630 reads 11630 in the summary, not 1.163e+04."""
    assert (
        ThresholdResult(parse_threshold("requests>100000000"), 11630.0, False).measured == "11630"
    )
    assert ThresholdResult(parse_threshold("p95<300"), 12.345, True).measured == "12.35 ms"
    assert ThresholdResult(parse_threshold("fail_rate<1%"), 0.0123, True).measured == "1.23%"
    assert ThresholdResult(parse_threshold("rps>1"), 2.5, True).measured == "2.5"


def test_a_result_reads_as_the_junit_message() -> None:
    """`str(result)`: the threshold, passed or breached, and what was measured."""
    result = ThresholdResult(parse_threshold("p95<300"), 450.0, False)
    assert str(result) == "threshold p95<300: breached (measured 450 ms)"

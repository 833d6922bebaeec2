"""The benchmarks' table and wrk parser (bench/table.py): what `make bench` passes or misses on."""

import pytest

from bench.table import Row, format_table, parse_wrk

WRK_REPORT = """\
Running 15s test @ http://127.0.0.1:40123/cpf/ung-ho/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     9.81ms    4.02ms  71.23ms   80.11%
    Req/Sec   823.45     90.12     1.01k    70.00%
  Latency Distribution
     50%  850.00us
     75%   11.20ms
     90%   14.70ms
     99%    1.02s
  24650 requests in 15.02s, 310.41MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   1641.19
Transfer/sec:     20.67MB
"""


def test_wrk_report_is_read_with_its_units():
    result = parse_wrk(WRK_REPORT)
    assert result.requests_per_second == 1641.19
    assert result.requests == 24650
    assert result.p50_ms == pytest.approx(0.85)  # microseconds
    assert result.p75_ms == pytest.approx(11.2)
    assert result.p90_ms == pytest.approx(14.7)
    assert result.p99_ms == pytest.approx(1020.0)  # seconds
    assert result.errors == 4 + 2 + 1  # error responses and socket errors


def test_clean_wrk_report_has_no_errors():
    clean = "\n".join(line for line in WRK_REPORT.splitlines() if "errors" not in line and "Non-2xx" not in line)
    assert parse_wrk(clean).errors == 0


def test_wrk_report_without_latency_distribution_is_refused():
    without = "\n".join(line for line in WRK_REPORT.splitlines() if "%  " not in line or "Latency " in line)
    with pytest.raises(ValueError, match="not a wrk --latency report"):
        parse_wrk(without)
    with pytest.raises(ValueError):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_ratio_targets_in_both_directions():
    faster = Row(name="cached", figure=1200, unit="req/s", baseline=4000, target=0.3, direction=">=")
    assert faster.ratio == pytest.approx(0.3)
    assert faster.result == "PASS"  # exactly on target passes
    assert Row(name="cached", figure=1100, unit="req/s", baseline=4000, target=0.3, direction=">=").missed
    slower = Row(name="gift", figure=16, unit="ms", baseline=1, target=15, direction="<=")
    assert slower.result == "MISS"
    assert Row(name="gift", figure=14, unit="ms", baseline=1, target=15).result == "PASS"


def test_absolute_target_judges_the_figure_not_the_ratio():
    p99 = Row(name="p99", figure=49.9, unit="ms", baseline=2, target=50, direction="<", absolute=True)
    assert p99.ratio is None
    assert p99.result == "PASS"
    assert Row(name="p99", figure=50, unit="ms", baseline=2, target=50, direction="<", absolute=True).missed


def test_rows_without_target_are_information_only():
    row = Row(name="queries", figure=38, unit="queries")
    assert row.result == "info"
    assert not row.missed


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError):
        Row(name="x", figure=1, unit="", target=1, direction="=>")


def test_table_has_one_aligned_line_per_row_with_result():
    rows = [
        Row(
            name="web: donation form cached",
            figure=1556.4,
            unit="req/s",
            baseline=3381,
            baseline_unit="req/s",
            baseline_name="static file",
            target=0.3,
            direction=">=",
        ),
        Row(name="web: p99", figure=19.5, unit="ms", target=50, direction="<", absolute=True),
        Row(name="web: queries", figure=18, unit="queries"),
    ]
    lines = format_table(rows).splitlines()
    assert len(lines) == 2 + len(rows)
    assert lines[0].split() == ["benchmark", "figure", "baseline", "ratio", "target", "result"]
    assert "1,556 req/s" in lines[2] and "3,381 req/s (static file)" in lines[2]
    assert "0.46x" in lines[2] and ">= 0.30x" in lines[2] and lines[2].endswith("PASS")
    assert "< 50.0 ms" in lines[3] and lines[3].endswith("PASS")
    assert lines[4].endswith("info")
    # The result column starts at the same place on every line.
    assert len({line.rindex(" ") for line in lines[2:]}) == 1


# --- the webhook benchmark's events and answers (bench/webhook_events.py) ---------------------


def test_webhook_requests_are_signed_as_stripe_signs_and_repeat_earlier_lines(tmp_path):
    import json

    import stripe

    from bench.webhook_events import NEWLINE, Gift, write_requests

    gifts = [Gift(n, f"CTREF{n:05d}", f"pi_bench_{n}", 500_000) for n in range(50)]
    path = tmp_path / "requests.txt"
    plan = write_requests(path, gifts, secret="whsec_x", now=1_800_000_000, duplicate_every=10, unknown_every=20)

    lines = path.read_text().splitlines()
    assert len(lines) == len(plan.event_ids)
    assert len(plan.gift_of_event) == 50 and len(plan.unknown_events) >= 2 and plan.repeats >= 5
    events = []
    for line, event_id in zip(lines, plan.event_ids, strict=True):
        signature, body = line.split("\t")
        body = body.replace(NEWLINE, "\n").encode()
        # stripe-python's own check, at the moment the file was signed.
        stripe.WebhookSignature.verify_header(body, signature, "whsec_x", tolerance=None)
        event = json.loads(body)
        assert event["id"] == event_id and event["type"] == "payment_intent.succeeded"
        events.append(event)
    repeated = [event_id for event_id in plan.event_ids if plan.event_ids.count(event_id) > 1]
    assert len(repeated) >= plan.repeats
    for event in events:
        intent = event["data"]["object"]
        if event["id"] in plan.gift_of_event:
            assert intent["metadata"] == {"donation": plan.gift_of_event[event["id"]]}
            assert intent["amount_received"] == 500_000 and intent["currency"] == "vnd"
        else:
            assert intent["metadata"] == {}


def test_webhook_answers_are_counted_by_event(tmp_path):
    from bench.webhook_events import read_answers, read_issued

    (tmp_path / "answers-0").write_text(
        '200\t{"received": true, "event": "evt_a", "duplicate": false, "outcome": ""}\n'
        '200\t{"received": true, "event": "evt_a", "duplicate": true, "outcome": ""}\n'
        '500\t{"error": "processing failed; retry"}\n'
    )
    (tmp_path / "answers-1").write_text(
        '200\t{"received": true, "event": "evt_b", "duplicate": false}\n200\tnot json\n'
    )
    answers = read_answers([tmp_path / "answers-0", tmp_path / "answers-1"])
    assert answers.ok == 4 and answers.statuses[500] == 1 and answers.unreadable == 1
    assert dict(answers.first_deliveries) == {"evt_a": 1, "evt_b": 1}
    assert dict(answers.duplicates) == {"evt_a": 1}
    report = "Requests/sec: 10\nwebhooks thread 0: issued 12 wrapped 0\nwebhooks thread 1: issued 11 wrapped 2\n"
    assert read_issued(report) == {0: (12, 0), 1: (11, 2)}

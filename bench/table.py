"""The one table every benchmark reports into, and the parsers the benchmarks share (pure Python,
no Django: tests/test_bench_parsing.py tests them).

A row is a figure measured in this run, usually next to a baseline measured in the same run on
the same machine (the machine is shared and noisy: a ratio to a baseline means more than a time).
Its target applies to the ratio, or to the figure itself when the row has no ratio (an absolute
bound such as "p99 under 50 ms"). A row without a target is shown for information only.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

_COMPARE = {">=": operator.ge, "<=": operator.le, "<": operator.lt, ">": operator.gt}


@dataclass(frozen=True)
class Row:
    name: str
    figure: float
    unit: str
    baseline: float | None = None
    baseline_unit: str = ""
    baseline_name: str = ""  # what the baseline is, e.g. "static file"
    target: float | None = None
    direction: str = "<="  # the ratio (or, without a ratio, the figure) must be <direction> target
    absolute: bool = False  # the target applies to the figure, not to figure / baseline

    def __post_init__(self):
        if self.direction not in _COMPARE:
            raise ValueError(f"direction must be one of {sorted(_COMPARE)}, not {self.direction!r}")

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.absolute:
            return None
        return self.figure / self.baseline if self.baseline else float("inf")

    @property
    def judged(self) -> float | None:
        """The number the target applies to."""
        return self.figure if self.absolute or self.baseline is None else self.ratio

    @property
    def result(self) -> str:
        if self.target is None:
            return "info"
        return "PASS" if _COMPARE[self.direction](self.judged, self.target) else "MISS"

    @property
    def missed(self) -> bool:
        return self.result == "MISS"


def _number(value: float) -> str:
    if value == float("inf"):
        return "inf"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _target_text(row: Row) -> str:
    if row.target is None:
        return "-"
    text = f"{row.direction} {_number(row.target)}"
    return f"{text} {row.unit}" if row.absolute or row.baseline is None else f"{text}x"


def format_table(rows: list[Row]) -> str:
    """One aligned table: benchmark, figure, baseline, ratio, target, result."""
    header = ("benchmark", "figure", "baseline", "ratio", "target", "result")
    lines = []
    for row in rows:
        baseline = "-"
        if row.baseline is not None:
            baseline = f"{_number(row.baseline)} {row.baseline_unit}".strip()
            if row.baseline_name:
                baseline += f" ({row.baseline_name})"
        ratio = row.ratio
        lines.append(
            (
                row.name,
                f"{_number(row.figure)} {row.unit}".strip(),
                baseline,
                "-" if ratio is None else f"{_number(ratio)}x",
                _target_text(row),
                row.result,
            )
        )
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    # Text columns flush left, numbers flush right.
    align = ("<", ">", ">", ">", ">", "<")

    def render(cells) -> str:
        return "  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(cells, align, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(header), rule, *(render(cells) for cells in lines)])


# --- wrk ------------------------------------------------------------------------------------------

_TIME_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_LATENCY = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)\s*$", re.M)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", re.M)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)\s*$", re.M)
_SOCKET = re.compile(r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", re.M)


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    requests: int
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    errors: int  # responses of 400 and above (wrk's "Non-2xx or 3xx") plus socket errors


def parse_wrk(output: str) -> WrkResult:
    """Read requests/s, the latency distribution (wrk --latency) and errors from wrk's report."""
    rps = _RPS.search(output)
    total = _TOTAL.search(output)
    latencies = {int(p): float(v) * _TIME_UNITS[u] for p, v, u in _LATENCY.findall(output)}
    if rps is None or total is None or set(latencies) != {50, 75, 90, 99}:
        raise ValueError(f"not a wrk --latency report:\n{output}")
    errors = int(m.group(1)) if (m := _NON_2XX.search(output)) else 0
    if m := _SOCKET.search(output):
        errors += sum(int(n) for n in m.groups())
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        requests=int(total.group(1)),
        p50_ms=latencies[50],
        p75_ms=latencies[75],
        p90_ms=latencies[90],
        p99_ms=latencies[99],
        errors=errors,
    )

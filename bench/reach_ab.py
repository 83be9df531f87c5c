"""The reach dashboard's reads, stored run-chart results against computing every chart (what
the page did before each measure stored its result), interleaved in one process so that both
see the same machine load. Run against a bench database (bench/README.md, "Stored run-chart
results"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fb_bench_10k DEBUG=true SECRET_KEY=x \\
    FIELDBOOK_NOTES_KEYS=$(python -m fieldbook.sealing) .venv/bin/python bench/reach_ab.py

Prints p50/p95 in ms of ``reach_page`` (all its queries and Python) and of the template render
on top, for each way, over ``BENCH_ROUNDS`` (60) rounds. DEBUG=true (no collected static files
needed) costs both ways the same.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbook.settings")

import django

django.setup()

from django.template.loader import render_to_string  # noqa: E402

from engagements.dashboards.runchart import result_of  # noqa: E402
from engagements.measures.models import Measure  # noqa: E402
from engagements.measures.reads import MeasureResult, charts_for  # noqa: E402
from engagements.models import Programme  # noqa: E402
from engagements.reach import reads  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))


def computed(measures: list[Measure]) -> list[MeasureResult]:
    """Before: every value of every measure read, and every chart computed, per request."""
    return [MeasureResult(c.measure, result_of(c.chart)) for c in charts_for(measures)]


def main() -> None:
    programme = Programme.objects.filter(slug__endswith="-reach-23").first()
    if programme is None:
        sys.exit("No 23-area bench programme here: run bench/run.py on this database first.")
    stored_results = reads.results_for

    def page(way: Callable[[list[Measure]], list[MeasureResult]]) -> tuple[float, float]:
        reads.results_for = way  # type: ignore[assignment]
        # Collect first: the computed way's garbage would otherwise be collected during the
        # call after it (which is the stored way's, in this interleaving).
        gc.collect()
        try:
            start = time.perf_counter()
            data = reads.reach_page(programme)
            mid = time.perf_counter()
            render_to_string("engagements/reach/dashboard.html", {
                "programme": programme, "page": data, "professions": reads.PROFESSIONS})
            return (mid - start) * 1000, (time.perf_counter() - start) * 1000
        finally:
            reads.results_for = stored_results

    times: dict[str, list[tuple[float, float]]] = {"stored": [], "computed": []}
    for _ in range(5):
        page(stored_results), page(computed)
    for n in range(ROUNDS):  # each way goes first every other round
        ways = [("stored", stored_results), ("computed", computed)]
        for name, way in ways if n % 2 else ways[::-1]:
            times[name].append(page(way))
    print(f"reach dashboard, {programme.name}: {ROUNDS} rounds, load {os.getloadavg()}")
    for label, rows in times.items():
        for i, what in enumerate(("reads", "reads + render")):
            values = sorted(r[i] for r in rows)
            p95 = values[int(len(values) * 0.95) - 1]
            print(f"  {label:>8} {what:<15} p50 {statistics.median(values):6.1f} ms  "
                  f"p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()

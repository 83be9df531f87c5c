"""End to end on the real broker: a lead asks for a summary, a real ``celery worker`` process
takes the message from Redis and compiles it into the database this test reads, then takes the
PDF task the compile queued and stores the PDF.

Redis comes from ``REDIS_URL`` (CI: redis://127.0.0.1:6379/5), else the local default. The
worker is a subprocess with the test's settings and ``DATABASE_URL`` pointing at the *test*
database (on SQLite a file: see ``fieldbook/settings_test.py``), so the test is transactional:
what it writes is committed where the worker can see it. The worker listens on a queue of its
own, so other workers on the same Redis (another test run, a developer's worker) never take
this test's message, and this worker never takes theirs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from engagements.models import LearningSummary
from engagements.summaries.periods import Period

from .factories import EngagementFactory, LearningItemFactory, ProgrammeFactory, SessionFactory

BASE_DIR = Path(__file__).resolve().parent.parent
from .conftest import REDIS_URL  # noqa: E402

READY_WITHIN = 60  # seconds, worker start-up included
CANARY = "CANARY-worker-5d1e"

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


def test_database_url() -> str:
    """A URL for the database this test run is using (the test database, not the real one)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{auth}{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture
def worker(redis_broker: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A real ``celery -A fieldbook worker`` on the test database and this test's queue."""
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fieldbook.settings_test",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "fieldbook", "worker",
        "--queues", redis_broker, "--hostname", f"{redis_broker}@%h",
        "--pool", "solo", "--concurrency", "1",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel", "INFO",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        yield {"process": process, "log": log}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_for(summary: LearningSummary, worker: dict[str, Any]) -> list[str]:
    """Poll the row until it is ready or failed (or the worker dies); return the statuses seen."""
    seen: list[str] = []
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        summary.refresh_from_db()
        if not seen or seen[-1] != summary.status:
            seen.append(summary.status)
        if summary.status in (LearningSummary.Status.READY, LearningSummary.Status.FAILED):
            return seen
        if worker["process"].poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"no result within {READY_WITHIN}s (statuses {seen}); worker log:\n"
                f"{worker['log'].read_text()[-4000:]}")


def test_a_real_worker_compiles_a_summary_asked_for_in_the_browser(
    worker: dict[str, Any], lead_client: Any
) -> None:
    programme = ProgrammeFactory.create(name="Worker Programme")
    engagement = EngagementFactory.create(programme=programme)
    last_month = Period.last_completed("month", timezone.localdate())
    session = SessionFactory.create(engagement=engagement, date=last_month.start,
                                    private_notes=f"{CANARY} about the chair")
    LearningItemFactory.create(session=session, text="Start with the patient's day.")

    response = lead_client.post(reverse("engagements:summary-request"), {
        "programme": programme.pk, "scope": "programme",
        "period": f"month:{last_month.start.isoformat()}",
    })
    assert response.status_code == 302
    summary = LearningSummary.objects.get()
    # The request returned before anything was compiled: the work is the worker's.
    assert summary.status in (LearningSummary.Status.QUEUED, LearningSummary.Status.COMPILING)

    seen = _wait_for(summary, worker)
    assert summary.status == LearningSummary.Status.READY, (summary.error, seen)
    assert summary.attempts == 1
    assert summary.content["activity"]["sessions"]["now"] == 1
    assert summary.content["learning"]["items"][0]["text"] == "Start with the patient's day."
    assert CANARY not in str(summary.content)

    # The page polls and then shows the summary itself.
    page = lead_client.get(reverse("engagements:summary-detail", args=[summary.pk]))
    assert b"Start with the patient&#x27;s day." in page.content
    assert CANARY.encode() not in page.content

    # The PDF follows, from a second task on the same worker.
    _wait_for_pdf(summary, worker)
    assert summary.pdf_state == "stored", summary.pdf_error
    # The worker logs a task's success just after its last commit, which this test may see first.
    deadline = time.monotonic() + 10
    done: set[str] = set()
    while len(done) < 2 and time.monotonic() < deadline:
        log = worker["log"].read_text()
        done = {task for task in ("compile_learning_summary", "render_summary_pdf")
                if any(f"engagements.{task}" in line and "succeeded" in line
                       for line in log.splitlines())}
        time.sleep(0.1)
    assert len(done) == 2, log[-3000:]
    assert CANARY not in log
    pdf = lead_client.get(reverse("engagements:summary-pdf", args=[summary.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = lead_client.get(reverse("engagements:summary-detail", args=[summary.pk]))
    assert b"Download PDF" in page.content and b"being prepared" not in page.content


def _wait_for_pdf(summary: LearningSummary, worker: dict[str, Any]) -> None:
    """Poll the row until its PDF is stored or has failed (or the worker dies)."""
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        summary.refresh_from_db(fields=["pdf_compiled_at", "pdf_error", "compiled_at"])
        if summary.pdf_state != "preparing":
            return
        if worker["process"].poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"no PDF within {READY_WITHIN}s; worker log:\n"
                f"{worker['log'].read_text()[-4000:]}")

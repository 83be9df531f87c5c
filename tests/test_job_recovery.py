"""Background jobs recover within bounds, exactly once, and the page tells the truth (issue 14).

Found from outside: a summary asked for during a 10-second Redis outage said "Fieldbook will
compile this summary in a moment" and compiled 10.5 minutes after Redis was back; a worker
killed (``kill -9``) mid-compile left the summary "compiling" for 17.5 minutes, until the
stale-job sweep; a PDF whose worker died was redone after 13 minutes.

The drills run on a real Redis of their own (a ``redis-server`` on a free port, so stopping it
touches nothing else), a real ``celery beat`` and real ``celery worker`` processes on the test
database. What recovers the work is the sweep (``engagements.requeue_stale_summaries``), which
beat runs every ``FIELDBOOK_JOBS_SWEEP_SECONDS`` and which takes back a summary queued for
longer than ``FIELDBOOK_JOBS_QUEUED_STALE_SECONDS`` or compiling (or without its PDF) for longer
than ``FIELDBOOK_JOBS_RUNNING_STALE_SECONDS``. Production uses 30, 20 and 90 seconds: work
asked for while Redis was down is queued within a minute of its return, and a job whose worker
died is taken back within two. The drills use 1, 2 and 4 seconds, so the same paths are proved
in seconds, and each checks the result came within that many sweeps.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.urls import reverse
from django.utils import timezone

from engagements.models import LearningSummary
from engagements.summaries.periods import Period
from fieldbook.celery import app as celery_app

from .factories import EngagementFactory, LearningItemFactory, ProgrammeFactory, SessionFactory
from .test_celery_worker import BASE_DIR, test_database_url

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

SWEEP, QUEUED_STALE, RUNNING_STALE = 1, 2, 4
# Within this long of the fault ending: the stale time, two sweeps, and a worker's start-up.
RECOVERS_WITHIN = RUNNING_STALE + 2 * SWEEP + 15
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
Status = LearningSummary.Status


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Drill:
    """A Redis, a beat and workers of the drill's own, each a real process."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.redis: subprocess.Popen[bytes] | None = None
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ, "DJANGO_SETTINGS_MODULE": "fieldbook.settings_test",
            "DATABASE_URL": test_database_url(), "REDIS_URL": self.url,
            "FIELDBOOK_TEST_TASKS_EAGER": "false", "PYTHONUNBUFFERED": "1",
            "FIELDBOOK_JOBS_SWEEP_SECONDS": str(SWEEP),
            "FIELDBOOK_JOBS_QUEUED_STALE_SECONDS": str(QUEUED_STALE),
            "FIELDBOOK_JOBS_RUNNING_STALE_SECONDS": str(RUNNING_STALE),
            **extra,
        }

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("the drill's redis-server did not start")

    def stop_redis(self) -> None:
        assert self.redis is not None
        self.redis.kill()
        self.redis.wait(10)

    def start(self, *args: str, name: str, **env: str) -> subprocess.Popen[bytes]:
        log = self.tmp / f"{name}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "fieldbook", *args, "--loglevel", "INFO"],
                cwd=BASE_DIR, env=self.env(**env), stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def worker(self, **env: str) -> subprocess.Popen[bytes]:
        return self.start("worker", "--pool", "solo", "--concurrency", "1",
                          "--without-gossip", "--without-mingle", "--without-heartbeat",
                          name="worker", **env)

    def beat(self) -> subprocess.Popen[bytes]:
        return self.start("beat", "--schedule", str(self.tmp / "beat-schedule"), name="beat")

    def log_text(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in self.logs)

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        if self.redis and self.redis.poll() is None:
            self.redis.kill()
            self.redis.wait(10)


@pytest.fixture
def drill(tmp_path: Path) -> Iterator[Drill]:
    drill = Drill(tmp_path)
    drill.start_redis()
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = drill.url, False  # this process publishes too
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield drill
    finally:
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        drill.close()


def wait_until(what: str, check: Callable[[], bool], drill: Drill, seconds: float) -> float:
    """Seconds until ``check()`` held; fails the test (with the processes' logs) after
    ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        time.sleep(0.2)
    pytest.fail(f"{what}: not within {seconds}s\n{drill.log_text()}")


def ask_for_a_summary(lead_client: Any) -> LearningSummary:
    programme = ProgrammeFactory.create(name="Drill Programme")
    engagement = EngagementFactory.create(programme=programme)
    month = Period.last_completed("month", timezone.localdate())
    session = SessionFactory.create(engagement=engagement, date=month.start)
    LearningItemFactory.create(session=session, text="Start with the patient's day.")
    response = lead_client.post(reverse("engagements:summary-request"), {
        "programme": programme.pk, "scope": "programme",
        "period": f"month:{month.start.isoformat()}"})
    assert response.status_code == 302, response.content[:500]
    return LearningSummary.objects.get()


def status_of(summary: LearningSummary) -> str:
    summary.refresh_from_db(fields=["status", "attempts", "pdf_compiled_at", "pdf_error",
                                    "compiled_at", "updated_at"])
    return str(summary.status)


def test_work_asked_for_while_redis_is_down_is_done_once_it_is_back(
    drill: Drill, lead_client: Any
) -> None:
    drill.beat()
    drill.worker()
    drill.stop_redis()
    summary = ask_for_a_summary(lead_client)  # publishing fails: the row waits in the database
    assert summary.status == Status.QUEUED
    page = lead_client.get(reverse("engagements:summary-detail", args=[summary.pk]))
    text = page.content.decode()
    assert "the job service is unavailable" in text
    assert "in a moment" not in text
    time.sleep(3)  # a short outage, as in the drill that found it
    drill.start_redis()
    took = wait_until("compiled after Redis came back",
                      lambda: status_of(summary) == Status.READY, drill, RECOVERS_WITHIN)
    assert took <= RECOVERS_WITHIN
    assert LearningSummary.objects.count() == 1
    wait_until("its PDF", lambda: status_of(summary) == Status.READY
               and summary.pdf_compiled_at is not None, drill, RECOVERS_WITHIN)
    assert summary.pdf_error == ""


def test_a_worker_killed_mid_compile_and_mid_pdf_is_made_good_once(
    drill: Drill, lead_client: Any
) -> None:
    drill.beat()
    # The first worker pauses inside the compile, then inside the PDF, long enough to be
    # killed there (FIELDBOOK_DRILL_PAUSES, read by the test settings only).
    first = drill.worker(FIELDBOOK_DRILL_PAUSES="compile=30,pdf=30")
    summary = ask_for_a_summary(lead_client)
    wait_until("the first worker compiling", lambda: status_of(summary) == Status.COMPILING,
               drill, 30)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed_at = time.monotonic()
    # A second worker, that pauses only in the PDF.
    second = drill.worker(FIELDBOOK_DRILL_PAUSES="pdf=30")
    wait_until("compiled again", lambda: status_of(summary) == Status.READY, drill,
               RECOVERS_WITHIN)
    assert time.monotonic() - killed_at <= RECOVERS_WITHIN
    assert summary.attempts == 2  # the killed claim, then one more: exactly once more
    assert LearningSummary.objects.count() == 1
    time.sleep(1)  # the second worker is now inside the PDF
    second.send_signal(signal.SIGKILL)
    second.wait(10)
    assert summary.pdf_compiled_at is None
    killed_at = time.monotonic()
    drill.worker()
    wait_until("the PDF made again", lambda: status_of(summary) == Status.READY
               and summary.pdf_compiled_at is not None, drill, RECOVERS_WITHIN)
    assert time.monotonic() - killed_at <= RECOVERS_WITHIN
    assert summary.pdf_error == "" and summary.attempts == 2
    pdf = lead_client.get(reverse("engagements:summary-pdf", args=[summary.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

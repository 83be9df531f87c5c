"""Whether the job service (the Celery broker, Redis) is there, so a page can say what will
happen to work it queued: "in a moment", or "when the job service is back".

One quick connection attempt (a second at most), remembered for a few seconds per broker, so a
page polled every two seconds does not knock on a dead broker each time. With tasks run inline
(``make run``: no broker) the service is always there.
"""

from __future__ import annotations

import time

from fieldbook.celery import app

REMEMBER_SECONDS = 5.0
_last: dict[str, tuple[float, bool]] = {}


def jobs_available() -> bool:
    if app.conf.task_always_eager:
        return True
    url = str(app.conf.broker_url)
    now = time.monotonic()
    seen = _last.get(url)
    if seen and now - seen[0] < REMEMBER_SECONDS:
        return seen[1]
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2,
                                         timeout=1)
        up = True
    except Exception:  # any failure to reach it means "not there" to the page
        up = False
    _last[url] = (now, up)
    return up

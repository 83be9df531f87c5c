"""The demo world behind ``manage.py seed_demo`` (``make run`` loads it on every start).

- ``seed.py``: ``demo_seed(today=...)`` — regions, places, boards, users, programmes,
  engagements, assignments and outcomes, created idempotently in one transaction;
- ``sessions.py``: a year of weekly sessions per engagement, and the learning recorded in them;
- ``places.py``, ``organisations.py``, ``programmes.py``, ``people.py``, ``learning.py``: the
  data, taken from the seed documents. Every person in it is fictional.
"""

from demo.seed.people import DEMO_ENABLER, DEMO_PASSWORD, ENABLERS, OTHER_USERS
from demo.seed.seed import SeedReport, demo_seed

__all__ = ["DEMO_ENABLER", "DEMO_PASSWORD", "ENABLERS", "OTHER_USERS", "SeedReport", "demo_seed"]

"""Named reads behind the programme lead's pages: the programme dashboard, place pages, the
themes heatmap and the enabler caseload. Split by subject:

- ``common``: the time windows every figure is measured over, sectors in the room, day sums;
- ``filters``: the dashboard's GET filter form;
- ``programme``: the programme list, the dashboard table and its headline figures;
- ``place``: one place's engagement, timeline, themes over time, outcomes, learning, board;
- ``heatmap``: the themes x places heatmap; ``caseload``: the enabler caseload.

Privacy (seed 004): nothing here ever selects ``Session.private_notes`` — every session read is
either an aggregate, a ``.values()`` naming its columns, or ``.defer("private_notes")`` — nor
``Session.next_steps`` (the enabler's own plan, not something they chose to share). The privacy
canary test (tests/test_privacy_canary.py) checks every page and export, and the SQL sent.

Every function runs a fixed number of queries whatever the size of the programme: aggregates
happen in the database; per-row details are fetched in one bulk query per page, keyed by id.
"""

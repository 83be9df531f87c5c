"""A place's context, the other support it receives, and the CQC's urgent-and-emergency-care
asks of its board (issue 17, points 6 and 7). README, "Context, other support and the CQC
asks".

- ``models``: ``PlaceContext``, ``OtherSupport``, ``UecSponsor``, ``LocalProtocol``,
  ``UecChecklist``, ``GoodPractice``;
- ``checklist``: the guidance's key suggestions the place answers;
- ``services``: every write (keyword-only, atomic, audited, compare-and-set on ``version``);
- ``reads``: what the place page, the support-load page and the library show;
- ``reminders``: a protocol whose review falls due;
- ``views``, ``forms``.
"""

"""Outcome statements (issue 16, points 1 and 2): an enabler drafts an observable change and
how the support contributed; a board member of the place confirms, corrects or declines it
through a respondent link (engagements.respondents). Only confirmed outcomes reach the centre.

- ``services``: draft, edit (compare-and-set on ``version``), send, revoke, the place's answer;
- ``forms``, ``views``: the enabler's pages (from My week) and the contact's answer form;
- ``reads``: what the place page, the summaries and the exports show of a confirmed outcome.
"""

"""The place's own voice (issue 17, points 4 and 5): a self-assessment and a relationship pulse,
answered by the place's board members through respondent links (engagements.respondents).

- ``models``: ``VoiceRound`` (one round of one kind for one engagement), ``VoiceInvite`` (one
  board member asked in it; the respondent link's target), ``VoiceResponse`` (an anonymous
  answer: no person, no timestamp), ``StatementScore`` and ``TieRating`` (its parts);
- ``services``: open a round (a link per board member with an email), answer through a link,
  close a round, open the rounds that are due (the beat job);
- ``reads``: the aggregates the centre and the place see, with the small-number rules;
- ``network``: the pulse's network drawing (server-rendered SVG geometry) and its measures;
- ``views``: the lead's open and close pages, and the board member's answer page.
"""

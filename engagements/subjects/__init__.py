"""Subject access (issue 18, point 1): the person index, subject-access requests and their
packs, the break-glass private-note search, and clarifications to disputed notes."""

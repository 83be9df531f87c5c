"""Reach, cohorts, funding and innovations of a programme's areas (issue 16, point 4)."""

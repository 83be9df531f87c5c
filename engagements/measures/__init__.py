"""Measures with baselines and run charts (issue 16, point 3): models, services, reads, the
run-chart SVG, forms and views. The rules themselves are ``engagements.dashboards.runchart``."""

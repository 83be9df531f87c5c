"""The site's URLs plus the bench's bare view (``bench/settings.py`` only, ``make bench``)."""

from bench.views import bench_urlpatterns
from fieldbook.urls import handler400, handler403, handler404, handler500
from fieldbook.urls import urlpatterns as site_urlpatterns

urlpatterns = [*bench_urlpatterns, *site_urlpatterns]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

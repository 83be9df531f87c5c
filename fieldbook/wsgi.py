import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbook.settings")

application = get_wsgi_application()

# Refuse to serve with a notes key that does not open the database's notes (fieldbook.startup).
from fieldbook.startup import run_startup_checks  # noqa: E402

run_startup_checks()

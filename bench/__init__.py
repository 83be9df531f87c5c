"""``make bench``: load-generated PostgreSQL databases measured through gunicorn."""

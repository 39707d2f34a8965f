"""WSGI entry point (gunicorn her2kb.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "her2kb.settings")

application = get_wsgi_application()

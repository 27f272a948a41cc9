"""WSGI entry point (gunicorn, uWSGI…) for production behind fastn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_site.settings")
application = get_wsgi_application()

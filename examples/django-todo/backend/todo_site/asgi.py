"""ASGI entry point (uvicorn, granian…) for production behind fastn."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_site.settings")
application = get_asgi_application()

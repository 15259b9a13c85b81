"""WSGI entry point; the web component reads upstream's config-frontend.cfg."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koschei_site.settings")
os.environ.setdefault("KOSCHEI_COMPONENT", "frontend")

application = get_wsgi_application()

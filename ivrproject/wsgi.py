"""
WSGI config for ivrproject project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivrproject.settings")
# Web requests get the database budget (IVR_DB_BUDGET_MS; see settings).
os.environ.setdefault("IVR_WEB_PROCESS", "1")

application = get_wsgi_application()

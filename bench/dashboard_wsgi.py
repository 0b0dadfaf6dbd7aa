"""The site's WSGI app with the suite's stand-in campaign page added (the dashboard and
publications includes, rendered as the campaign page renders them), for bench/dashboard.py.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonset.settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
settings.ROOT_URLCONF = "tests.campaigns.dashboards.dashboard_page"
# The manifest storage needs collectstatic; the benchmark serves files as they are.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache

from campaigns.dashboards import programme_dashboard


def home(request):
    """The programme dashboard: figures across public campaigns (never organisation ones,
    so every visitor sees the same numbers)."""
    return render(request, "home.html", {"programme": programme_dashboard()})


@never_cache
def healthz(request):
    """Liveness for containers and load balancers: the process answers and the DB does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception):
    """The site's not-found page; under /api/ the JSON answer API clients expect (the same
    body as the API views' 404), also for paths that match no route."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
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

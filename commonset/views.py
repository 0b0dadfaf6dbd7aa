import sys

from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache


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
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """The site's 400 page. A BadRequest raised by this site's code carries a message meant
    for the person (which parameter, what it must be) and it is shown; other 400s (Django's
    SuspiciousOperation and its kin) keep a generic text, as their messages are not for them."""
    message = str(exception) if type(exception) is BadRequest else ""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message or _("Bad request.")}, status=400)
    template = loader.get_template("400.html")
    return HttpResponse(template.render({"message": message}, request), status=400)


# How long a client should wait before trying again while the database is unreachable
# (a restart or fail-over takes seconds); sent as Retry-After.
DATABASE_RETRY_AFTER_SECONDS = 5


def server_error(request):
    """The site's error page. While the database cannot be reached (a restart, a fail-over)
    it answers 503 with Retry-After, so clients and load balancers know to try again; any
    other failure is a 500. Under /api/ the answer is JSON, like every other API error."""
    exc = sys.exc_info()[1]
    unavailable = isinstance(exc, (OperationalError, InterfaceError))
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        detail = (
            _("The service is briefly unavailable; try again shortly.")
            if unavailable
            else _("Server error.")
        )
        response = JsonResponse({"detail": detail}, status=status)
    else:
        template = loader.get_template("503.html" if unavailable else "500.html")
        response = HttpResponse(template.render(), status=status)
    if unavailable:
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response

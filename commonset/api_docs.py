"""The API reference page: drf-spectacular's Redoc view, in the site's layout
(templates/api_docs.html), loading Redoc from drf-spectacular-sidecar's static files.

Redoc's bundle still asks for one thing from elsewhere: its sidebar's "API docs by Redocly"
logo, an image on a CDN. The page's Content-Security-Policy allows this site only, so the
browser never makes that request (Redoc then leaves the logo out), nor any a later Redoc
might add; no reader's visit is announced to a third party and the page works offline.
"""

from drf_spectacular.views import SpectacularRedocView

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # Redoc styles its parts with <style> tags
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",  # Redoc's search index runs in a worker
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ApiDocsView(SpectacularRedocView):
    template_name = "api_docs.html"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

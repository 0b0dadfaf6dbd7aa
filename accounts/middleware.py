"""The interface language of a signed-in user: their saved choice comes first.

Django's LocaleMiddleware (earlier in MIDDLEWARE) has already picked a language from the
language cookie or Accept-Language; it runs before the user is known. This one, after
AuthenticationMiddleware, switches to the user's saved language when they chose one.
"""

from django.utils import translation

from .selectors import user_language


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = user_language(getattr(request, "user", None))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

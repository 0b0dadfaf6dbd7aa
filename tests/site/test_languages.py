"""The interface in the annotator's language: which language a request gets (the saved
preference, then the switcher's cookie, then Accept-Language), the switcher, the profile
setting, `<html lang dir>`, API messages and e-mails."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from accounts.services import api_token_create
from campaigns.applications import emails
from campaigns.models import Application
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode())[0]


def test_english_by_default():
    response = Client().get("/")
    assert html_tag(response) == '<html lang="en" dir="ltr">'
    assert "Skip to content" in response.content.decode()


def test_accept_language_picks_arabic_right_to_left():
    response = Client(headers={"Accept-Language": "ar,en;q=0.5"}).get("/campaigns/")
    body = response.content.decode()
    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    assert response["Content-Language"] == "ar"
    assert "انتقل إلى المحتوى" in body and "الحملات" in body
    assert "Skip to content" not in body


def test_a_language_the_site_does_not_offer_falls_back_to_english():
    response = Client(headers={"Accept-Language": "ja"}).get("/")
    assert html_tag(response) == '<html lang="en" dir="ltr">'


def test_the_switcher_lists_each_language_in_itself_and_marks_the_current_one():
    body = Client(headers={"Accept-Language": "ar"}).get("/").content.decode()
    form = re.search(r'<form class="language-switcher.*?</form>', body, re.S)[0]
    assert 'action="/i18n/setlang/"' in form and 'method="post"' in form
    options = re.findall(r'<option value="([^"]+)" lang="[^"]+"( selected)?>([^<]+)</option>', form)
    assert [(code, name) for code, _selected, name in options] == [
        ("en", "English"),
        ("es", "Español"),
        ("fr", "Français"),
        ("de", "Deutsch"),
        ("pt-br", "Português Brasileiro"),
        ("ar", "العربيّة"),
    ]
    assert [code for code, selected, _name in options if selected] == ["ar"]
    assert re.search(r'<label for="language-switcher-select"[^>]*>اللغة</label>', form)


def test_switching_sets_the_cookie_which_beats_accept_language():
    client = Client(headers={"Accept-Language": "ar"})
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/campaigns/"})
    assert response.status_code == 302 and response["Location"] == "/campaigns/"
    assert client.cookies[COOKIE].value == "es"
    page = client.get("/campaigns/")
    assert html_tag(page) == '<html lang="es" dir="ltr">'
    assert "Saltar al contenido" in page.content.decode()


def test_switching_unsafe_next_goes_home_and_unknown_language_changes_nothing():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert COOKIE not in client.cookies


def test_a_signed_in_users_switch_is_saved_and_follows_them_to_another_browser():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    user.refresh_from_db()
    assert user.language == "ar"

    elsewhere = Client(headers={"Accept-Language": "en"})  # no cookie, another language
    elsewhere.force_login(user)
    assert html_tag(elsewhere.get("/me/")) == '<html lang="ar" dir="rtl">'


def test_the_saved_preference_beats_the_cookie():
    user = UserFactory(language="ar")
    client = Client(headers={"Accept-Language": "de"})
    client.force_login(user)
    client.cookies[COOKIE] = "es"
    assert html_tag(client.get("/")) == '<html lang="ar" dir="rtl">'


def test_the_profile_sets_and_clears_the_language():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    page = client.get("/me/").content.decode()
    assert 'name="language"' in page and "Interface language" in page

    response = client.post("/me/preferences", {"language": "ar"}, follow=True)
    user.refresh_from_db()
    assert user.language == "ar"
    assert "حُفظت التفضيلات." in response.content.decode()  # said in the language chosen
    assert html_tag(response) == '<html lang="ar" dir="rtl">'

    client.post("/me/preferences", {"language": "klingon"})
    user.refresh_from_db()
    assert user.language == "ar"  # an unknown language is not saved

    client.post("/me/preferences", {"language": ""})
    user.refresh_from_db()
    assert user.language == ""  # follow the browser again
    assert html_tag(client.get("/")) == '<html lang="en" dir="ltr">'


def test_annotate_page_in_arabic():
    campaign = make_campaign(records=1)
    client = Client(headers={"Accept-Language": "ar"})
    client.force_login(UserFactory())
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert "إرسال <kbd>Enter</kbd>" in body and "تخطٍّ <kbd>S</kbd>" in body
    assert "اختصارات لوحة المفاتيح" in body and "الإرشادات" in body
    assert "Keyboard shortcuts" not in body


def test_an_answer_error_is_in_the_annotators_language():
    campaign = make_campaign(records=1)
    client = Client(headers={"Accept-Language": "ar"})
    client.force_login(UserFactory())
    client.get(f"/annotate/{campaign.slug}/")
    record = campaign.records.get()
    response = client.post(f"/annotate/{campaign.slug}/records/{record.pk}/", {"action": "submit"})
    assert response.status_code == 400
    assert "هذا السؤال يحتاج إلى إجابة." in response.content.decode()


def test_me_says_which_language_was_saved():
    user = UserFactory(language="ar")
    token = api_token_create(user=user, name="script").raw
    me = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me").json()
    assert me["language"] == "ar"


def test_api_errors_follow_accept_language_and_a_tokens_saved_language():
    assert Client(headers={"Accept-Language": "ar"}).get("/api/v1/nowhere").json() == {
        "detail": "غير موجود."
    }
    user = UserFactory(language="ar")
    token = api_token_create(user=user, name="script").raw
    client = Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
    response = client.post("/api/v1/tokens/", {"name": "another"}, content_type="application/json")
    assert response.status_code == 403
    # The token's owner reads Arabic, whatever the request's Accept-Language says.
    detail = response.json()["detail"]
    assert re.search("[\u0600-\u06ff]", detail) and "POST" in detail, detail


def test_the_decision_email_is_in_each_recipients_language():
    lead = UserFactory(language="ar", email="lead@example.org")
    campaign = make_campaign(lead=lead)
    application = campaign.application
    co_lead = UserFactory(email="co@example.org")  # no preference: the site's default
    application.co_leads.add(co_lead)
    Application.objects.filter(pk=application.pk).update(state=Application.State.REJECTED)
    mail.outbox.clear()

    assert emails.application_decided(application_id=application.pk) == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    arabic, english = by_address["lead@example.org"], by_address["co@example.org"]
    assert arabic.subject.startswith("طلبك إلى")
    assert f"مرحبًا {lead.display_handle}،" in arabic.body
    assert '<html lang="ar" dir="rtl">' in arabic.alternatives[0][0]
    assert english.subject.startswith("Your application to")
    assert "Hello" in english.body

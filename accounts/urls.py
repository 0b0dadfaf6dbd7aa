from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("preferences", views.preferences_update, name="preferences"),
    path("delete", views.account_delete, name="delete"),
    path("tokens/", views.api_token_create, name="token-create"),
    path("tokens/<int:token_id>/revoke", views.api_token_revoke, name="token-revoke"),
]

"""Campaign page actions (included under /campaigns/ from commonset/urls.py)."""

from django.urls import path

from . import views

app_name = "publishing"

urlpatterns = [
    path("<slug:slug>/publish/", views.publish, name="publish"),
    path("<slug:slug>/publishing-policy/", views.policy, name="policy"),
]

"""The home page, the programme dashboard (included at the site root from commonset/urls.py;
no namespace: the page is named "home")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
]

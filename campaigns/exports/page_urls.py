"""Page of export jobs (included under /campaigns/ from commonset/urls.py)."""

from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("<slug:slug>/exports/", views.export_jobs_page, name="jobs"),
]

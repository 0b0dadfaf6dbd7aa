from django.urls import path

from . import views

app_name = "cohorts"

urlpatterns = [
    path("", views.cohort_list, name="list"),
    path("<slug:slug>/", views.cohort_detail, name="detail"),
]

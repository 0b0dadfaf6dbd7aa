from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.application_list_mine, name="mine"),
    path("new/<slug:cohort_slug>/", views.application_create, name="create"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/edit/", views.application_edit, name="edit"),
    path("<int:pk>/submit/", views.application_submit, name="submit"),
    path("<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
    path("<int:pk>/co-leads/", views.co_lead_add, name="co-lead-add"),
    path("<int:pk>/co-leads/<int:user_id>/remove/", views.co_lead_remove, name="co-lead-remove"),
]

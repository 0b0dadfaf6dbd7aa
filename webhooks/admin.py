"""Organisers manage site-wide endpoints here (and see every campaign's), watch deliveries
(state, answer, response time, last error) and redeliver them."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.selectors import user_is_organiser

from . import services
from .models import DELIVERY_FIELDS, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .targets import TargetRefused, target_check


class OrganiserAccess:
    def has_module_permission(self, request):
        return user_is_organiser(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return user_is_organiser(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return user_is_organiser(request.user) or super().has_change_permission(request, obj)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(max_length=500, help_text=_("An https:// URL on a public address."))
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["campaign", "url", "description", "events", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            target_check(url)
        except TargetRefused as exc:
            raise forms.ValidationError(exc.message) from exc
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OrganiserAccess, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "campaign", "active", "created_at"]
    list_filter = ["active", ("campaign", admin.EmptyFieldListFilter)]
    search_fields = ["url", "campaign__slug", "description"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign"]

    def get_readonly_fields(self, request, obj=None):
        # Moving an endpoint to another campaign would leave the first one's events stale.
        return ["campaign"] if obj is not None else []

    def has_add_permission(self, request):
        return user_is_organiser(request.user) or super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return user_is_organiser(request.user) or super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        endpoint, secret = services.webhook_endpoint_create(
            campaign=obj.campaign,
            url=obj.url,
            events=obj.events,
            created_by=request.user,
            description=obj.description,
        )
        if not obj.active:
            services.webhook_endpoint_set_active(endpoint=endpoint, active=False)
        obj.pk, obj.secret, obj.created_at = endpoint.pk, endpoint.secret, endpoint.created_at
        obj._state.adding = False
        messages.warning(
            request,
            _("Copy the signing secret now, it will not be shown again: %(secret)s")
            % {"secret": secret},
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OrganiserAccess, admin.ModelAdmin):
    list_display = [
        "event",
        "endpoint",
        "state",
        "status_code",
        "response_ms",
        "attempts",
        "created_at",
        "next_attempt_at",
    ]
    list_filter = ["state", "event"]
    search_fields = ["message_id", "endpoint__url", "endpoint__campaign__slug"]
    list_select_related = ["endpoint__campaign"]
    actions = ["redeliver"]
    readonly_fields = ["endpoint", *DELIVERY_FIELDS]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again (same webhook-id)"))
    def redeliver(self, request, queryset):
        count = 0
        for delivery in queryset:
            services.webhook_delivery_redeliver(delivery=delivery)
            count += 1
        messages.success(request, _("%(count)s deliveries sent again.") % {"count": count})

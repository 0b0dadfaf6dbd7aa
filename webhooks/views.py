"""The lead's page of a campaign's webhooks: register and remove endpoints, see recent
deliveries. Site-wide endpoints are managed in admin (organisers) and the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import WebhookEndpointForm

# The secret of an endpoint just registered, kept in the (server-side) session only until
# the page after the redirect shows it once.
NEW_SECRET_SESSION_KEY = "webhooks.new_secret"  # noqa: S105 (a session key name)


@login_required
def campaign_webhooks(request, slug: str):
    campaign = selectors.webhook_scope_for_user(request.user, slug)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.webhook_endpoint_create(
                campaign=campaign, created_by=request.user, **form.cleaned_data
            )
        except services.WebhookError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            request.session[NEW_SECRET_SESSION_KEY] = {"id": endpoint.pk, "secret": secret}
            messages.success(request, _("Webhook endpoint registered."))
            return redirect("webhooks:campaign", slug=campaign.slug)
    shown = request.session.pop(NEW_SECRET_SESSION_KEY, None)
    response = render(
        request,
        "campaigns/campaign_settings_webhooks.html",
        {
            "campaign": campaign,
            "form": form,
            "endpoints": selectors.webhook_endpoints_of(campaign),
            "deliveries": selectors.webhook_deliveries_recent(campaign),
            "new_secret": shown,
        },
        status=400 if form.errors else 200,
    )
    if shown:
        add_never_cache_headers(response)
    return response


@login_required
@require_POST
def campaign_webhook_delete(request, slug: str, endpoint_id: int):
    campaign = selectors.webhook_scope_for_user(request.user, slug)
    endpoint = selectors.webhook_endpoints_of(campaign).filter(pk=endpoint_id).first()
    if endpoint is None:  # removed already (a second click, another lead)
        messages.info(request, _("This endpoint was removed already."))
    else:
        services.webhook_endpoint_delete(endpoint=endpoint)
        messages.success(request, _("Webhook endpoint removed."))
    return redirect("webhooks:campaign", slug=campaign.slug)

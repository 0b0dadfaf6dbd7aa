"""Bulk decisions over the API: admin's "approve / reject selected applications" action,
one service call per application (each in its own transaction, so one refusal does not undo
the others), answering with the result of each."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_is_organiser
from cohorts.errors import ProgrammeError

from . import decisions
from .selectors import applications_visible_to


class BulkDecisionSerializer(serializers.Serializer):
    applications = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        min_length=1,
        max_length=200,
        help_text="Application ids, decided in this order.",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Sent to each applicant."
    )


RESULTS = inline_serializer(
    "BulkDecisionResults",
    {
        "results": serializers.ListField(
            child=inline_serializer(
                "BulkDecisionResult",
                {
                    "id": serializers.IntegerField(),
                    "ok": serializers.BooleanField(),
                    "state": serializers.CharField(allow_null=True),
                    "campaign": serializers.CharField(
                        allow_null=True, help_text="The campaign an approval created."
                    ),
                    "detail": serializers.CharField(help_text="Why it was refused, or ''."),
                },
            )
        ),
        "decided": serializers.IntegerField(),
        "refused": serializers.IntegerField(),
    },
)


def _require_organiser(request) -> None:
    if not user_is_organiser(request.user):
        raise PermissionDenied(_("Only organisers decide on applications."))


def _decide(action, request, ids: list[int], note: str) -> Response:
    found = applications_visible_to(request.user).select_related("cohort", "community")
    found = {a.pk: a for a in found.filter(pk__in=ids)}
    results = []
    for pk in dict.fromkeys(ids):  # each once, in the order given
        application = found.get(pk)
        if application is None:
            results.append(
                {"id": pk, "ok": False, "state": None, "campaign": None, "detail": _("Not found.")}
            )
            continue
        campaign = None
        try:
            if action == "approve":
                campaign = decisions.application_approve(
                    actor=request.user, application=application, note=note
                ).slug
            else:
                decisions.application_reject(actor=request.user, application=application, note=note)
        except ProgrammeError as error:
            ok, detail = False, error.message
        else:
            ok, detail = True, ""
        application.refresh_from_db(fields=["state"])
        results.append(
            {
                "id": pk,
                "ok": ok,
                "state": application.state,
                "campaign": campaign,
                "detail": detail,
            }
        )
    decided = sum(1 for r in results if r["ok"])
    return Response({"results": results, "decided": decided, "refused": len(results) - decided})


class ApplicationBulkApproveView(APIView):
    @extend_schema(
        tags=["applications"],
        summary="Approve several submitted applications (organisers), each on its own",
        operation_id="applications_bulk_approve",
        description="Answers 200 with one result per application: approved (with its new "
        "campaign) or refused, and why (not submitted, the cohort is full, the site cannot "
        "write in the hosting namespace, not found).",
        request=BulkDecisionSerializer,
        responses={200: RESULTS},
    )
    def post(self, request):
        _require_organiser(request)
        body = BulkDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _decide(
            "approve", request, body.validated_data["applications"], body.validated_data["note"]
        )


class ApplicationBulkRejectView(APIView):
    @extend_schema(
        tags=["applications"],
        summary="Reject several submitted applications with one note (organisers)",
        operation_id="applications_bulk_reject",
        request=BulkDecisionSerializer,
        responses={200: RESULTS},
    )
    def post(self, request):
        _require_organiser(request)
        body = BulkDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _decide(
            "reject", request, body.validated_data["applications"], body.validated_data["note"]
        )

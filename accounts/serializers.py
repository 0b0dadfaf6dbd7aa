from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from campaigns.lead_emails import KIND_NAMES as LEAD_EMAIL_KIND_NAMES

from .models import ApiToken, OrgMembership, User


class OrgMembershipSerializer(serializers.ModelSerializer):
    handle = serializers.CharField(source="org_handle")
    display_name = serializers.CharField(source="org_display_name")

    class Meta:
        model = OrgMembership
        fields = ["handle", "display_name", "role", "read_at"]


class MeSerializer(serializers.ModelSerializer):
    organisations = OrgMembershipSerializer(source="org_memberships", many=True)
    is_organiser = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "hf_username",
            "hf_avatar_url",
            "is_organiser",
            "hide_from_leaderboards",
            "lead_emails_off",
            "language",
            "memberships_read_at",
            "organisations",
        ]

    def get_is_organiser(self, user) -> bool:
        from .selectors import user_is_organiser

        return user_is_organiser(user)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "scope",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(
        choices=ApiToken.Scope.choices,
        default=ApiToken.Scope.READ,
        help_text="What requests with the token may do (each includes the ones before): "
        "read, annotate, lead, admin. Default: read.",
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate_expires_at(self, value):
        from django.utils import timezone

        if value is not None and value <= timezone.now():
            raise serializers.ValidationError(_("Must be in the future."))
        return value


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The token itself. Shown only in this response.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class PreferencesSerializer(serializers.Serializer):
    hide_from_leaderboards = serializers.BooleanField(
        help_text="Leave me out of every leaderboard (my answers still count)."
    )
    language = serializers.ChoiceField(
        choices=[("", "as the request's Accept-Language asks"), *settings.LANGUAGES],
        allow_blank=True,
        help_text="The interface language of pages, e-mails and API messages; empty: follow "
        "the browser (Accept-Language).",
    )
    lead_emails_off = serializers.ListField(
        child=serializers.ChoiceField(choices=LEAD_EMAIL_KIND_NAMES),
        allow_empty=True,
        help_text="The kinds of e-mail to campaign leads I do not want (the profile page's "
        "boxes left unticked); [] wants them all.",
    )


class AccountDeleteSerializer(serializers.Serializer):
    confirm_username = serializers.CharField(
        help_text="Your username, typed again: deleting an account cannot be undone."
    )

from rest_framework import serializers

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
            "memberships_read_at",
            "organisations",
        ]

    def get_is_organiser(self, user) -> bool:
        from .selectors import user_is_organiser

        return user_is_organiser(user)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate_expires_at(self, value):
        from django.utils import timezone

        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The token itself. Shown only in this response.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields

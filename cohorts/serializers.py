from rest_framework import serializers

from .models import Cohort
from .services import COHORT_FIELDS


class AcceptedCampaignSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    community = serializers.CharField(source="community.handle")
    task_kind = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())


class CohortSerializer(serializers.ModelSerializer):
    phase = serializers.SerializerMethodField(
        help_text="accepting, upcoming, ended (window over, in review), closed or draft."
    )
    places_left = serializers.IntegerField(read_only=True)
    has_community_channel = serializers.SerializerMethodField()
    community_channel_url = serializers.SerializerMethodField(
        help_text="Only for leads of accepted campaigns and organisers; null otherwise."
    )

    class Meta:
        model = Cohort
        fields = [
            "slug",
            "name",
            "description",
            "state",
            "phase",
            "applications_open_at",
            "applications_close_at",
            "capacity",
            "places_taken",
            "places_left",
            "space_hardware",
            "storage_description",
            "has_community_channel",
            "community_channel_url",
        ]

    def get_phase(self, cohort) -> str:
        return cohort.window_phase()

    def get_has_community_channel(self, cohort) -> bool:
        return bool(cohort.community_channel_url)

    def get_community_channel_url(self, cohort) -> str | None:
        from .selectors import cohort_channel_visible_to

        request = self.context.get("request")
        if (
            cohort.community_channel_url
            and request
            and cohort_channel_visible_to(request.user, cohort)
        ):
            return cohort.community_channel_url
        return None


class CohortDetailSerializer(CohortSerializer):
    accepted_campaigns = serializers.SerializerMethodField()

    class Meta(CohortSerializer.Meta):
        fields = [*CohortSerializer.Meta.fields, "accepted_campaigns"]

    def get_accepted_campaigns(self, cohort) -> list[dict]:
        from .selectors import cohort_accepted_campaigns

        request = self.context["request"]
        return AcceptedCampaignSerializer(
            cohort_accepted_campaigns(request.user, cohort), many=True
        ).data


class CohortCreateSerializer(serializers.ModelSerializer):
    """Shape of a new cohort (the model's rules are checked by cohorts.services)."""

    class Meta:
        model = Cohort
        fields = list(COHORT_FIELDS)

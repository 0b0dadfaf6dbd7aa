"""Factories shared by the test suites."""

import factory
from django.utils import timezone

from accounts.models import OrgMembership, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def orgs(self, create, extracted, **kwargs):
        """`UserFactory(orgs=["acme", ("beta", "admin")])` makes the user a member."""
        for org in extracted or []:
            handle, role = (org, "read") if isinstance(org, str) else org
            OrgMembership.objects.create(
                user=self, org_handle=handle, org_display_name=handle.title(), role=role
            )
        if extracted:
            self.memberships_read_at = timezone.now()
        if create:
            self.save()

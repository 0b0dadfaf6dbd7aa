from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person. Signs in with Hugging Face, or locally (organisers, development)."""

    hf_username = models.CharField("Hugging Face handle", max_length=96, blank=True, db_index=True)
    hf_avatar_url = models.URLField(blank=True, max_length=500)
    memberships_read_at = models.DateTimeField(
        null=True, blank=True, help_text="When organisation memberships were last read."
    )
    hide_from_leaderboards = models.BooleanField(default=False)
    # The kinds of e-mail to campaign leads this person turned off (campaigns/lead_emails.py).
    lead_emails_off = models.JSONField(default=list, blank=True)
    # The interface language they chose (a code of settings.LANGUAGES); blank: follow the
    # language switcher's cookie, then the browser's Accept-Language.
    language = models.CharField(max_length=16, blank=True, default="")
    # Set when the person deleted their account (accounts.services.user_delete): the row
    # stays, emptied of personal data, so that their responses keep their pseudonym.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def display_handle(self) -> str:
        return self.hf_username or self.username

    def is_member_of(self, org_handle: str) -> bool:
        return self.org_memberships.filter(org_handle__iexact=org_handle).exists()


class OrgMembership(models.Model):
    """A Hugging Face organisation the user belongs to, as read at their last sign-in."""

    class Role(models.TextChoices):
        ADMIN = "admin"
        WRITE = "write"
        CONTRIBUTOR = "contributor"
        READ = "read"
        UNKNOWN = "", "unknown"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="org_memberships")
    org_handle = models.CharField(max_length=96)
    org_display_name = models.CharField(max_length=200, blank=True)
    org_avatar_url = models.URLField(blank=True, max_length=500)
    role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["org_handle"]
        constraints = [
            models.UniqueConstraint(fields=["user", "org_handle"], name="uniq_membership_per_org")
        ]

    def __str__(self):
        return f"{self.user} in {self.org_handle} ({self.role or 'unknown'})"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


_SCOPE_RANKS: dict[str, int] = {}


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once.

    Its scope limits what a request made with it may do, on top of what its owner may do
    (accounts/permissions.py): each scope includes the ones before it."""

    class Scope(models.TextChoices):
        READ = "read", _("read: look, change nothing")
        ANNOTATE = "annotate", _("annotate: read, and answer, skip and discard records")
        LEAD = "lead", _("lead: annotate, and run campaigns (applications, imports, publishing)")
        ADMIN = "admin", _("admin: everything you may do, organiser decisions included")

        @classmethod
        def rank(cls, scope: str) -> int:
            # Remembered per process: `values` builds its list on every read, and every
            # token request ranks two scopes.
            if not _SCOPE_RANKS:
                _SCOPE_RANKS.update((value, i) for i, value in enumerate(cls.values))
            try:
                return _SCOPE_RANKS[scope]
            except KeyError:  # as list.index did
                raise ValueError(f"{scope!r} is not a token scope") from None

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["read", "annotate", "lead", "admin"]),
                name="api_token_scope_known",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def allows(self, scope: str) -> bool:
        """Whether this token's scope includes `scope`."""
        return self.Scope.rank(self.scope) >= self.Scope.rank(scope)

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

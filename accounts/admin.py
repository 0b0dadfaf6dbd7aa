from allauth.socialaccount.models import SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, OrgMembership, User

# Hugging Face sign-in is configured from the environment (SOCIALACCOUNT_PROVIDERS in
# settings.py), its client secret included, and provider tokens are not stored. An app
# added in admin would keep a secret in the database, and one for the same provider would
# sit beside the configured one (allauth then fails every sign-in); one with no provider
# id broke the connections page. So neither is offered in admin.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)


class OrgMembershipInline(admin.TabularInline):
    model = OrgMembership
    extra = 0
    readonly_fields = ["org_handle", "org_display_name", "role", "read_at"]
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "hf_username", "email", "is_staff", "memberships_read_at"]
    search_fields = ["username", "hf_username", "email"]
    inlines = [OrgMembershipInline]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("Hugging Face", {"fields": ["hf_username", "hf_avatar_url", "memberships_read_at"]}),
    ]
    readonly_fields = ["memberships_read_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]

from allauth.socialaccount.models import SocialApp, SocialToken
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ApiToken, OrgMembership, User
from .services import user_delete

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
    readonly_fields = ["memberships_read_at", "deleted_at"]
    list_filter = [*BaseUserAdmin.list_filter, ("deleted_at", admin.EmptyFieldListFilter)]
    actions = ["delete_accounts"]

    # Deleting a user is accounts.services.user_delete, everywhere: the row stays, emptied
    # of personal data, so their responses keep their pseudonym (deleting the row would
    # delete their responses, and fails on their filled slots). Admin's own delete button
    # goes through it too, and its confirmation page says so.
    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs, request):
        summary = [
            _(
                "%(user)s: personal data erased, tokens and memberships deleted, signed out; "
                "their responses stay under their pseudonym"
            )
            % {"user": obj}
            for obj in objs
        ]
        return summary, {}, set(), []

    def has_delete_permission(self, request, obj=None):
        # Organisers delete people's accounts, not staff ones (superusers may).
        if obj is not None and (obj.is_staff or obj.is_superuser):
            return request.user.is_superuser
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        user_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            user_delete(user=user)

    @admin.action(
        permissions=["delete"],
        description=gettext_lazy("Delete the selected accounts (their responses stay)"),
    )
    def delete_accounts(self, request, queryset):
        users = list(queryset.order_by("pk"))
        staff = [u for u in users if not self.has_delete_permission(request, u)]
        if staff:
            messages.error(
                request,
                _("Only superusers delete staff accounts: %(names)s. Nothing was deleted.")
                % {"names": ", ".join(u.get_username() for u in staff)},
            )
            return None
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/accounts/user/delete_accounts_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Delete accounts"),
                    "opts": self.model._meta,
                    "users": users,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        deleted = sum(user_delete(user=user) for user in users)
        messages.success(
            request,
            _("%(n)d account(s) deleted; %(m)d had been deleted already.")
            % {"n": deleted, "m": len(users) - deleted},
        )
        return None


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "scope", "prefix", "created_at", "expires_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]

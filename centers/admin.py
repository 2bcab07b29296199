from django.contrib import admin

from centers.models import Center, Invitation, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "kind", "status", "requested_by", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "city", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    readonly_fields = ["decided_by", "decided_at"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "center", "role", "created_at"]
    list_filter = ["role", "center"]
    search_fields = ["user__username", "center__name"]
    autocomplete_fields = ["user", "center"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "center", "role", "invited_by", "expires_at", "accepted_at"]
    list_filter = ["role", "center"]
    exclude = ["token_hash"]
    readonly_fields = ["accepted_by", "accepted_at"]

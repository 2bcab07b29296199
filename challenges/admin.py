import json

from django.contrib import admin

from challenges.forms import TaskForm
from challenges.models import Challenge, ChallengeStaff, Task, Team, TeamMember


class TaskAdminForm(TaskForm):
    class Meta(TaskForm.Meta):
        fields = ["challenge", *TaskForm.Meta.fields]


class TaskInline(admin.StackedInline):
    model = Task
    form = TaskAdminForm
    extra = 0


class StaffInline(admin.TabularInline):
    model = ChallengeStaff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["name", "edition", "opens_on", "closes_on"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TaskInline, StaffInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    form = TaskAdminForm
    list_display = [
        "name",
        "challenge",
        "modality",
        "input_kind",
        "label_schema",
        "metric",
        "exam_prefix",
        "rules",
    ]
    list_filter = ["challenge", "modality", "metric"]
    search_fields = ["name", "slug"]

    @admin.display(description="conformity rules")
    def rules(self, task: Task) -> str:
        return json.dumps(task.conformity_rules, ensure_ascii=False)


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "challenge", "created_at"]
    list_filter = ["challenge"]
    search_fields = ["name"]
    inlines = [TeamMemberInline]


@admin.register(ChallengeStaff)
class ChallengeStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "challenge", "role"]
    list_filter = ["role", "challenge"]
    autocomplete_fields = ["user"]


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "discipline"]
    list_filter = ["discipline", "team__challenge"]
    autocomplete_fields = ["user"]

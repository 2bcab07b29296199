import json

from django import forms
from django.contrib import admin

from challenges.models import Challenge, ChallengeStaff, Task, Team, TeamMember
from uploads.conformity import KNOWN_RULES, validate_rules


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = [
            "challenge",
            "slug",
            "name",
            "description",
            "modality",
            "input_kind",
            "label_schema",
            "metric",
            "exam_prefix",
            "conformity_rules",
        ]
        help_texts = {
            "conformity_rules": "JSON object. Known rules: "
            + "; ".join(f"{k}: {v}" for k, v in KNOWN_RULES.items())
        }

    def clean_conformity_rules(self):
        rules = self.cleaned_data["conformity_rules"]
        problems = validate_rules(rules)
        if problems:
            raise forms.ValidationError(problems)
        return rules


class TaskInline(admin.StackedInline):
    model = Task
    form = TaskForm
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
    form = TaskForm
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

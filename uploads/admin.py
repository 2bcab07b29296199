from django.contrib import admin

from uploads.models import ConsentRecord, Exam, ExamEvent, ExamFile, Upload, UploadedFile


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ExamEventInline(ReadOnlyInline):
    model = ExamEvent
    fields = ["at", "actor", "from_state", "to_state", "reason", "note"]
    readonly_fields = fields


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    """Read-only: exams change state through the review pages, which keep the audit log."""

    list_display = ["public_id", "task", "center", "state", "slice_count", "created_at"]
    list_filter = ["state", "task", "center"]
    search_fields = ["public_id"]
    inlines = [ExamEventInline]
    exclude = ["study_key"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ExamFile)
class ExamFileAdmin(admin.ModelAdmin):
    list_display = ["storage_name", "exam", "size", "slice_position_mm"]
    search_fields = ["exam__public_id"]
    readonly_fields = [
        "exam",
        "instance_key",
        "series_key",
        "storage_name",
        "size",
        "slice_position_mm",
    ]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = [
        "exam",
        "information_letter_version",
        "information_letter_date",
        "attested_by",
        "attested_at",
        "objection_recorded_at",
    ]
    readonly_fields = [
        "exam",
        "attested_by",
        "attested_at",
        "objection_recorded_at",
        "objection_recorded_by",
    ]


class UploadedFileInline(ReadOnlyInline):
    model = UploadedFile
    fields = ["id", "size", "offset", "state", "attempts", "problems"]
    readonly_fields = fields


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "center", "uploaded_by", "created_at"]
    list_filter = ["task", "center"]
    inlines = [UploadedFileInline]


@admin.register(ExamEvent)
class ExamEventAdmin(admin.ModelAdmin):
    list_display = ["exam", "at", "actor", "from_state", "to_state", "reason"]
    list_filter = ["to_state", "reason"]
    search_fields = ["exam__public_id"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UploadedFile)
class UploadedFileAdmin(admin.ModelAdmin):
    """Read-only: a received file's progress and the problems found (never its name)."""

    list_display = ["id", "upload", "size", "offset", "state", "attempts", "created_at"]
    list_filter = ["state"]
    readonly_fields = [
        "upload",
        "size",
        "offset",
        "state",
        "attempts",
        "problems",
        "exams_created",
        "instances_accepted",
    ]

    def has_add_permission(self, request) -> bool:
        return False

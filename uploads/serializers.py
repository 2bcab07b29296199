from __future__ import annotations

from rest_framework import serializers

from uploads.models import Exam, Upload, UploadedFile
from uploads.reasons import describe


class UploadCreateSerializer(serializers.Serializer):
    task = serializers.SlugField(help_text="Task short name")
    center = serializers.SlugField(help_text="Center short name")
    information_letter_version = serializers.CharField(max_length=40)
    information_letter_date = serializers.DateField()
    consent_attested = serializers.BooleanField()


class UploadedFileSerializer(serializers.ModelSerializer):
    problems = serializers.SerializerMethodField()

    class Meta:
        model = UploadedFile
        fields = [
            "id",
            "size",
            "offset",
            "state",
            "problems",
            "exams_created",
            "instances_accepted",
        ]

    def get_problems(self, obj: UploadedFile) -> list[dict]:
        return [
            {
                "code": p.get("code"),
                "entry": p.get("entry"),
                "message": describe(p.get("code", ""), p.get("params"), p.get("message", "")),
            }
            for p in obj.problems
        ]


class UploadSerializer(serializers.ModelSerializer):
    task = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    center = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    files = UploadedFileSerializer(many=True, read_only=True)

    class Meta:
        model = Upload
        fields = [
            "id",
            "task",
            "center",
            "information_letter_version",
            "information_letter_date",
            "created_at",
            "files",
        ]


class ExamSerializer(serializers.ModelSerializer):
    task = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    center = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Exam
        fields = [
            "public_id",
            "task",
            "center",
            "state",
            "modality",
            "patient_age_years",
            "patient_sex",
            "rows",
            "columns",
            "pixel_spacing_mm",
            "slice_thickness_mm",
            "slice_count",
            "series_count",
            "conformity_failures",
            "hold_reasons",
            "exclusion_reason",
            "created_at",
        ]

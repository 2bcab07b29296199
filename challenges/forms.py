from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from challenges.models import Challenge, Task
from uploads.conformity import KNOWN_RULES, validate_rules


class ChallengeForm(forms.ModelForm):
    class Meta:
        model = Challenge
        fields = ["name", "slug", "edition", "opens_on", "closes_on", "description"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The challenge must close after it opens."))
        return data


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = [
            "name",
            "slug",
            "description",
            "modality",
            "input_kind",
            "label_schema",
            "metric",
            "exam_prefix",
            "conformity_rules",
        ]
        help_texts = {
            # format_lazy keeps the text translatable: adding to a lazy string would freeze it
            # in the language active at import.
            "conformity_rules": format_lazy(
                "{}{}",
                _(
                    'A JSON object, e.g. {"modality": "CT", '
                    '"slice_thickness_mm": [2.5, 3.0], "no_gaps": true}. Rules: '
                ),
                ", ".join(KNOWN_RULES),
            ),
        }

    def clean_exam_prefix(self) -> str:
        prefix = self.cleaned_data["exam_prefix"].strip().upper()
        if not (prefix.isascii() and prefix.isalpha() and len(prefix) == 3):
            raise forms.ValidationError(_("Three capital letters, e.g. BRS."))
        return prefix

    def clean_conformity_rules(self):
        rules = self.cleaned_data["conformity_rules"]
        problems = validate_rules(rules if rules is not None else {})
        if problems:
            raise forms.ValidationError(problems)
        return rules or {}

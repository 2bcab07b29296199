"""Form helpers shared by the apps' views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_form_page(
    request: HttpRequest, form: forms.Form, heading: str, submit: str, intro: str = ""
) -> HttpResponse:
    """A page with one form, its field-level errors and a submit button."""
    context = {"form": form, "heading": heading, "submit_label": submit, "intro": intro}
    return render(request, "registration/simple_form.html", context)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field where it names one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)

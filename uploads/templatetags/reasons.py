from django import template

from uploads.reasons import describe as describe_reason

register = template.Library()


@register.simple_tag
def describe(problem: dict) -> str:
    """Translated text of a stored problem {"code", "message", "params"}."""
    return describe_reason(
        problem.get("code", ""), problem.get("params"), problem.get("message", "")
    )


@register.simple_tag
def describe_code(code: str) -> str:
    return describe_reason(code)

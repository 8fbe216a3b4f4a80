"""How a handler reads what a page sent: a form's fields and a text field, whatever a forged event
put there (services check lengths and content)."""

from __future__ import annotations

from typing import Any


def form_text(value: Any) -> str:
    """A form field as a page sent it: anything but text is empty."""
    return value if isinstance(value, str) else ""


def form_dict(value: Any) -> dict[str, Any]:
    """A form's fields as a page sent them: anything but a dict is an empty form."""
    return value if isinstance(value, dict) else {}

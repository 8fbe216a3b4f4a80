"""What the admin's forms share: their choices, and how a field the page sent is read."""

from __future__ import annotations

from typing import Any

STATUS_CHOICES = ["Active", "Maintenance", "Inactive"]
TYPE_CHOICES = ["Info", "Warning", "Error", "Success"]
CLIENT_ERROR = "Choose one of the listed clients."
# What an edit or extend field holds: the stored UTC value, as a datetime-local input takes it.
UTC_INPUT_FORMAT = "%Y-%m-%dT%H:%M:%S"


def form_text(value: Any) -> str:
    """A form field as a page sent it: anything but text is empty (services check lengths)."""
    return value if isinstance(value, str) else ""


def form_dict(value: Any) -> dict[str, Any]:
    """A form's fields as a page sent them: anything but a dict is an empty form."""
    return value if isinstance(value, dict) else {}

"""What the admin's forms share: their choices (fields are read with app/state/forms.py)."""

from __future__ import annotations

STATUS_CHOICES = ["Active", "Maintenance", "Inactive"]
TYPE_CHOICES = ["Info", "Warning", "Error", "Success"]
CLIENT_ERROR = "Choose one of the listed clients."
# What an edit or extend field holds: the stored UTC value, as a datetime-local input takes it.
UTC_INPUT_FORMAT = "%Y-%m-%dT%H:%M:%S"

"""The worker's pure helpers: a runner error as a task's reason, and the greeting's name."""

from __future__ import annotations

import pytest

from app.worker.loop import RUNNER_ERROR_REASON_MAX_LENGTH, runner_error_reason
from app.worker.runners import greeting_name


def test_a_reason_names_the_error_type_and_its_message_on_one_line():
    assert runner_error_reason(ValueError("bad\n  contact\tname")) == "ValueError: bad contact name"


def test_an_error_without_a_message_is_its_type():
    assert runner_error_reason(KeyError()) == "KeyError"


def test_a_long_message_is_cut_with_an_ellipsis():
    reason = runner_error_reason(RuntimeError("y" * 5000))
    assert len(reason) == RUNNER_ERROR_REASON_MAX_LENGTH and reason.endswith("…")


@pytest.mark.parametrize("name, expected", [
    ("Ada Byrne", "Ada"), ("  Ada  ", "Ada"), (" ", "there"), ("", "there"), ("\t\n", "there"),
])
def test_the_greeting_uses_the_first_word_of_the_name_or_there(name, expected):
    assert greeting_name(name) == expected

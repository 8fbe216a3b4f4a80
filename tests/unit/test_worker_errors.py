"""The worker's pure helpers: a runner error as a task's reason (its type, never its message), and
the greeting's name."""

from __future__ import annotations

import pytest

from app.worker.loop import RUNNER_ERROR_TYPE_MAX_LENGTH, runner_error_reason
from app.worker.runners import greeting_name


def test_a_reason_names_the_error_type_and_never_its_message():
    reason = runner_error_reason(ValueError("https://llm.example/v1?key=sk-secret-key"))
    assert reason == "The agent's runner failed (ValueError); the details are in the worker's log."


def test_an_error_without_a_message_is_told_the_same_way():
    assert runner_error_reason(KeyError()) == (
        "The agent's runner failed (KeyError); the details are in the worker's log.")


def test_a_long_type_name_is_cut_with_an_ellipsis():
    error = type("E" * 5000, (Exception,), {})("y" * 5000)
    reason = runner_error_reason(error)
    assert "E" * (RUNNER_ERROR_TYPE_MAX_LENGTH - 1) + "…)" in reason and "y" not in reason


@pytest.mark.parametrize("name, expected", [
    ("Ada Byrne", "Ada"), ("  Ada  ", "Ada"), (" ", "there"), ("", "there"), ("\t\n", "there"),
])
def test_the_greeting_uses_the_first_word_of_the_name_or_there(name, expected):
    assert greeting_name(name) == expected

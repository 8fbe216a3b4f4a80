"""Form pieces: a field's error beneath its control, a labelled field, and a dialog holding a form.

Errors are the server's words (a state's dict var of field -> words), shown red beneath the field."""

from typing import Any

import reflex as rx

LABEL_STYLE = {"fontWeight": 500, "fontSize": "14px"}


def datetime_input(control_id: str, name: str, width: str | None = "100%", **props) -> rx.Component:
    """A date and time to the second, in the browser's own zone unless the label says otherwise."""
    return rx.input(id=control_id, name=name, type="datetime-local", step="1", width=width, **props)


def field_error(errors, field: str | rx.Var, testid: str | None = None, alert: bool = True) -> rx.Component:
    """`errors[field]` while the server refuses that field. `alert` announces it (role="alert");
    `testid` is its data-testid for tests and scripts."""
    props: dict[str, Any] = {}
    if alert:
        props["role"] = "alert"
    if testid is not None:
        props["custom_attrs"] = {"data-testid": testid}
    return rx.cond(errors.contains(field), rx.text(errors[field], color_scheme="red", size="1", **props))


def labelled_field(label: str, control_id: str, control: rx.Component, errors, field: str, prefix: str = "",
                   width: str | None = "100%") -> rx.Component:
    """A label, its control and the field's error (data-testid `<prefix>-error-<field>`, or
    `error-<field>` without a prefix), stacked; `width=None` leaves it as wide as its content."""
    testid = f"{prefix}-error-{field}" if prefix else f"error-{field}"
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style=LABEL_STYLE),
        control,
        field_error(errors, field, testid),
        spacing="1",
        width=width,
    )


def labelled_select(label: str, control_id: str, choices, name: str, default: str, errors,
                    prefix: str = "") -> rx.Component:
    """A labelled select of `choices` posted as `name`, starting at `default`; its error is the one
    the server gives for `name`."""
    return labelled_field(label, control_id,
                          rx.select(choices, id=control_id, name=name, default_value=default, width="100%"),
                          errors, name, prefix)


def submit_row(button: rx.Component, note, count, testid: str) -> rx.Component:
    """A form's submit `button` with, beside it, the `note` (green) of what the last submit did;
    data-testid `testid`, data-count `count` (how many submits have landed, for tests to wait on)."""
    return rx.hstack(
        button,
        rx.text(note, size="2", color_scheme="green", custom_attrs={"data-testid": testid,
                                                                    "data-count": count.to_string()}),
        align="center",
    )


def form_dialog(title: str, *fields: rx.Component, on_submit, on_cancel, is_open, description=None,
                cancel: str = "Cancel", submit: str = "Save") -> rx.Component:
    """A dialog, open while `is_open`, holding a form: its fields, then `cancel` (a plain button that
    calls `on_cancel`) and `submit` at the end."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            *([] if description is None else [rx.dialog.description(description)]),
            rx.form(
                rx.vstack(
                    *fields,
                    rx.hstack(
                        rx.button(cancel, type="button", variant="soft", color_scheme="gray", on_click=on_cancel),
                        rx.button(submit, type="submit"),
                        justify="end", width="100%",
                    ),
                    width="100%",
                ),
                on_submit=on_submit,
            ),
        ),
        open=is_open,
    )

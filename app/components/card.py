"""Cards with a heading: one section of a page, or one form."""

import reflex as rx


def section_card(title: str, *children: rx.Component, aside: tuple[rx.Component, ...] = (),
                 aside_align: str = "center", **props) -> rx.Component:
    """`title` (a level-4 heading) over `children`, full width; `aside` (a control choosing what the
    card shows, say) stands at the heading's right end. `props` go to the card."""
    heading = rx.heading(title, size="4")
    if aside:
        heading = rx.hstack(heading, rx.spacer(), *aside, width="100%", align=aside_align)
    return rx.card(
        rx.vstack(heading, *children, width="100%"),
        width="100%",
        **props,
    )


def form_card(title: str, *children: rx.Component, on_submit, spacing: str = "3", heading_as: str | None = None,
              **props) -> rx.Component:
    """A card that is one form: `title` (a level-4 heading, `heading_as` its element) over `children`,
    submitted to `on_submit`; `props` go to the card."""
    return rx.card(
        rx.form(
            rx.vstack(rx.heading(title, size="4", as_=heading_as), *children, spacing=spacing, width="100%"),
            on_submit=on_submit,
        ),
        width="100%",
        **props,
    )

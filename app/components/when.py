"""Times as people read them. Rows carry real datetimes (UTC); the page formats them in the
browser, in its own time zone with the zone named (assets/beacon_time.jsx)."""

import reflex as rx


class BeaconTime(rx.Component):
    """`<time>`: the exact local time with its zone, or a relative one ("3 min ago") that keeps
    itself current, with the exact time on hover."""

    library = "$/public/beacon_time.jsx"
    tag = "BeaconTime"

    value: rx.Var[str]
    relative: rx.Var[bool]


def when(value, relative: bool = False) -> rx.Component:
    """A UTC datetime var in the reader's zone (nothing when there is none)."""
    return BeaconTime.create(value=value.to(str), relative=relative)


def ago(value) -> rx.Component:
    """A UTC datetime var as "3 min ago", the exact time on hover."""
    return when(value, relative=True)

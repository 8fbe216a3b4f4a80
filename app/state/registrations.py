"""Every live entity, view, window and page is declared everywhere it must be: checked at start.

Adding a live entity (docs/architecture.md, "Adding a live entity") means a declaration in each
registry below; one forgotten is named here when the app starts (app/app.py) and in
tests/unit/test_registrations.py, instead of a change that silently reaches no page.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.models import Entity
from app.state.holders import VIEW_HOLDERS, WINDOW_HOLDERS
from app.views.lists import LIST_KINDS
from app.views.live import ENTITY_VIEWS, ENTITY_WITHOUT_VIEWS, EVERY_VIEW
from app.views.pages import PAGES
from app.views.windows import WINDOW_KINDS


class RegistrationMissing(RuntimeError):
    """A live entity, view, window kind or page is declared in one registry but not another."""


def registration_problems(page_routes: Iterable[str]) -> list[str]:
    """Every gap between the registries, one readable line each (none: all in step)."""
    problems: list[str] = []
    for entity in Entity:
        declared = (entity in ENTITY_VIEWS) + (entity in ENTITY_WITHOUT_VIEWS)
        if declared != 1:
            problems.append(f"entity {entity.value!r}: declare it once, in ENTITY_VIEWS or ENTITY_WITHOUT_VIEWS "
                            "(app/views/live.py)")
    for kind in sorted(WINDOW_KINDS.keys() - WINDOW_HOLDERS.keys()):
        problems.append(f"window kind {kind!r} has no holder in app/state/holders.py WINDOW_HOLDERS")
    for kind in sorted(WINDOW_HOLDERS.keys() - WINDOW_KINDS.keys()):
        problems.append(f"WINDOW_HOLDERS holds {kind!r}, which app/views/windows.py does not declare")
    for kind in sorted(EVERY_VIEW ^ VIEW_HOLDERS.keys()):
        problems.append(f"shared view {kind!r}: in EVERY_VIEW (app/views/live.py) and VIEW_HOLDERS "
                        "(app/state/holders.py), or in neither")
    for view in sorted(set().union(*ENTITY_VIEWS.values()) - EVERY_VIEW):
        problems.append(f"ENTITY_VIEWS names {view!r}, which is not a shared view")
    for route in sorted(set(page_routes)):
        page = PAGES.get(route)
        if page is None:
            problems.append(f"route {route!r} has no entry in app/views/pages.py PAGES")
            continue
        problems += [f"page {route!r} lists {name!r}, not a list of app/views/lists.py"
                     for name in page.lists if name not in LIST_KINDS]
        problems += [f"page {route!r} opens {kind!r}, which has no holder that opens it"
                     for kind in sorted(page.windows) if kind not in WINDOW_HOLDERS or not WINDOW_HOLDERS[kind].open]
        problems += [f"page {route!r} follows {view!r}, not a shared view" for view in page.views - EVERY_VIEW]
    return problems


def check_registrations(page_routes: Iterable[str]) -> None:
    """Refuse to start with a registry out of step (raises RegistrationMissing naming each gap)."""
    problems = registration_problems(page_routes)
    if problems:
        raise RegistrationMissing("live registrations out of step:\n  " + "\n  ".join(problems))

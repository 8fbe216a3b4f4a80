import reflex as rx

from app.config import get_settings

config = rx.Config(
    app_name="app",
    telemetry_enabled=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="light", accent_color="indigo", radius="medium")
        ),
    ],
    # Offline machines: the sitemap plugin is on by default and not needed here.
    disable_plugins=[rx.plugins.SitemapPlugin],
    show_built_with_reflex=False,
    # Loopback unless told otherwise (`make run HOST=...`, `reflex run --backend-host`,
    # REFLEX_BACKEND_HOST): the demo accounts' passwords are published. On any other address
    # app/setup/startup_guard.py refuses to start while a demo password is unchanged.
    backend_host="127.0.0.1",
    # Reflex's default is "*" (any site may read answers made with its visitors' cookies, and its
    # socket.io server checks no Origin). Beacon's pages talk to their own origin and need no CORS:
    # BEACON_PUBLIC_ORIGIN alone, or nothing (app/web/origin.py refuses a start with anything else).
    cors_allowed_origins=get_settings().cors_allowed_origins,
)

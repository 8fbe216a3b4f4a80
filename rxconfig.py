import reflex as rx

config = rx.Config(
    app_name="app",
    telemetry_enabled=False,
    # Offline machines: the sitemap plugin is on by default and not needed here.
    disable_plugins=[rx.plugins.SitemapPlugin],
    show_built_with_reflex=False,
)

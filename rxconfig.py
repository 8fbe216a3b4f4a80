import reflex as rx

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
)

"""The incident pages: each part of the app keeps its own URL list (urls_<part>.py); names are unique
across them."""

from importlib import import_module

app_name = "incidents"
urlpatterns = []
for _part in ("urls_core", "urls_contacts", "urls_seals", "urls_notices"):
    try:
        urlpatterns += import_module(f"fugong.incidents.{_part}").urlpatterns
    except ModuleNotFoundError as exc:
        if exc.name != f"fugong.incidents.{_part}":
            raise

from __future__ import annotations

from django.apps import AppConfig, apps


class AccountPagesConfig(AppConfig):
    name = "django_shell.pages"
    label = "account_pages"
    verbose_name = "Account pages"

    def ready(self) -> None:
        from django_shell.pages import views

        # The one container of the service: the pages run the use-cases the API runs, as it builds them.
        apps.get_app_config("cognito_auth").container.wire(modules=[views])  # type: ignore[attr-defined]

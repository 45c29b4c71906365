from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """Server-rendered pages for inspection teams, host units and coordinators
    (SPEC §9). They read through `checklists.selectors`, decide through
    `checklists.policies` and write through `checklists.services`, as the API does."""

    name = "web"
    verbose_name = _("Web pages")

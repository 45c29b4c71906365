"""Signing in and out of the web pages (sessions; django-axes counts failures)."""

from __future__ import annotations

from django.contrib.auth.views import LoginView
from django.utils.translation import gettext_lazy as _


class SignInView(LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": _("Sign in")}

"""Signing in and out of the web pages (sessions; django-axes counts failures)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LoginView, PasswordResetConfirmView
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from checklists.services.invitations import password_set_by_token


class SignInView(LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": _("Sign in")}


class SetPasswordByTokenForm(SetPasswordForm):
    """Django's form (two entries, the password validators); the change itself goes
    through the account service, so it is audited like any other."""

    def save(self, commit: bool = True) -> Any:
        return password_set_by_token(user=self.user, password=self.cleaned_data["new_password1"])


class SetPasswordView(PasswordResetConfirmView):
    """The page of the one-time link an imported person receives
    (checklists.services.invitations): the token stops working once used."""

    form_class = SetPasswordByTokenForm
    template_name = "web/password_set.html"
    success_url = reverse_lazy("web:login")
    extra_context = {"title": _("Choose your password")}

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set. Sign in with it."))
        return response

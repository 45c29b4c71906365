"""The outgoing registers page (SPEC §12), for coordinators: the registers of their
units with a form each to raise the next number (numbers already given on paper),
and a form to open a register. Who sees which register is
checklists.selectors.registers'; every change is register_create / register_raise,
whose refusals show beside the form (a lowered number: the 409's message)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from checklists.models import Unit, User
from checklists.selectors.registers import registers_visible_to
from checklists.services.registers import register_create, register_raise
from web.forms_registers import RegisterCreateForm, RegisterRaiseForm
from web.views.base import signed_in
from web.views.refusals import FORM_REFUSALS, show_refusal


def _coordinator(request: HttpRequest) -> User:
    user = signed_in(request)
    if not user.acts_as_coordinator:
        raise Http404
    return user


def _create_form(data: Any = None) -> RegisterCreateForm:
    return RegisterCreateForm(data, units=Unit.objects.all())


def _page(
    request: HttpRequest,
    user: User,
    *,
    create: RegisterCreateForm | None = None,
    raised: tuple[int, RegisterRaiseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    registers = list(registers_visible_to(user).order_by("-year", "unit__path", "type_code"))
    rows = [
        (
            register,
            raised[1]
            if raised and raised[0] == register.pk
            else RegisterRaiseForm(initial={"next_number": register.next_number}),
        )
        for register in registers
    ]
    create = create or _create_form()
    context = {
        "title": _("Outgoing registers"),
        "rows": rows,
        "create": create,
        "unit_of": create.unit_filter_of,
        "unit_label": create.unit_field_label,
        "unit_text": create.unit_text,
        "unit_id": create["unit"].value() or "",
        "unit_errors": create.errors.get("unit"),
    }
    return render(request, "web/registers.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def registers(request: HttpRequest) -> HttpResponse:
    """GET: the page. POST: open a register (register_create)."""
    user = _coordinator(request)
    if request.method == "GET":
        return _page(request, user)
    form = _create_form(request.POST)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            register = register_create(
                actor=user,
                unit=data["unit"],
                type_code=data["type_code"],
                year=data["year"],
                next_number=data["next_number"],
            )
        except FORM_REFUSALS as refusal:
            status = show_refusal(form, refusal)
        else:
            messages.success(
                request, _("The register %(register)s is open.") % {"register": register}
            )
            return redirect("web:registers")
    return _page(request, user, create=form, status=status)


@login_required
@require_POST
def register_raise_view(request: HttpRequest, register_id: int) -> HttpResponse:
    user = _coordinator(request)
    register = get_object_or_404(registers_visible_to(user), pk=register_id)
    form = RegisterRaiseForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            register = register_raise(
                actor=user, register=register, next_number=form.cleaned_data["next_number"]
            )
        except FORM_REFUSALS as refusal:
            status = show_refusal(form, refusal)
        else:
            messages.success(
                request, _("The next number of %(register)s is set.") % {"register": register}
            )
            return redirect("web:registers")
    return _page(request, user, raised=(register.pk, form), status=status)

"""The document templates page (/documents/templates/, SPEC §12 "Templates") for
coordinators: the units' own templates in their scope, per unit and kind, an
upload form (a refusal shown beside the file, naming the placeholder and the
reason), deletion, and the built-in templates to start from. Each POST makes one
service call (checklists.services.document_templates); anyone but a coordinator
gets 404 (checklists.selectors.document_templates)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checklists.downloads import attachment_response
from checklists.models import DocumentTemplate, Unit
from checklists.selectors.document_templates import (
    document_templates_visible_to,
    template_issuers_for,
)
from checklists.services.document_templates import (
    TemplateFile,
    document_template_delete,
    document_template_example,
    document_template_file,
    document_template_upload,
)
from checklists.uploads import DOCX
from web.forms_document_templates import TemplateUploadForm
from web.views.base import signed_in
from web.views.refusals import FORM_REFUSALS, show_refusal


def _download(answer: TemplateFile) -> HttpResponse:
    return attachment_response(answer.data, filename=answer.filename, content_type=DOCX)


@login_required
@require_http_methods(["GET", "POST"])
def template_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    issuers = template_issuers_for(user)
    form = TemplateUploadForm(request.POST or None, request.FILES or None, issuers=issuers)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                document_template_upload(
                    actor=user,
                    issuer=form.cleaned_data["issuer"],
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    filename=form.cleaned_data["file"].name or "",
                )
            except FORM_REFUSALS as refusal:
                status = show_refusal(form, refusal)
            else:
                messages.success(request, _("The template is checked and in use."))
                return redirect("web:document_templates")
    user_unit = user.coordinator_scope or user.host_unit
    context = {
        "title": _("Document templates"),
        "templates": list(document_templates_visible_to(user)),
        "form": form,
        "kinds": DocumentTemplate.Kind.choices,
        "styles": Unit.DocumentStyle.choices,
        "own_style": user_unit.document_style if user_unit is not None else "party",
    }
    return render(request, "web/document_templates.html", context, status=status)


@login_required
@require_POST
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(DocumentTemplate.objects.select_related("issuer"), pk=template_id)
    document_template_delete(actor=signed_in(request), template=template)
    messages.success(request, _("The template is deleted; the built-in one is used again."))
    return redirect("web:document_templates")


@login_required
@require_GET
def template_file(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(DocumentTemplate.objects.select_related("issuer"), pk=template_id)
    return _download(document_template_file(actor=signed_in(request), template=template))


@login_required
@require_GET
def template_example(request: HttpRequest, kind: str) -> HttpResponse:
    style = request.GET.get("style") or None
    return _download(document_template_example(actor=signed_in(request), kind=kind, style=style))

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from api.filters import WHOLE_NUMBER


class Pagination(PageNumberPagination):
    """`page` and `page_size` (at most 500) on every list (SPEC §5).

    DRF quietly replaces a `page_size` it cannot read with the default, clamps one
    over the limit and reads `page=` as the first page; a client then gets a page
    it did not ask for. Here such values answer 400 naming the parameter. A page
    past the last one stays a 404, as in DRF.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    last_page_strings = ()

    def _whole_number(self, request, name: str, maximum: int | None = None) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        if not WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1:
            raise ValidationError({name: [_("Give a whole number, 1 or more.")]})
        if maximum is not None and int(raw) > maximum:
            raise ValidationError({name: [_("Give at most %(maximum)s.") % {"maximum": maximum}]})
        return int(raw)

    def get_page_size(self, request):
        size = self._whole_number(request, self.page_size_query_param, self.max_page_size)
        return self.page_size if size is None else size

    def paginate_queryset(self, queryset, request, view=None):
        self._whole_number(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = _(
                    "Number of results to return per page (at most %(maximum)s)."
                ) % {"maximum": self.max_page_size}
        return parameters

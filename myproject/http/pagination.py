"""Pages of a list."""

from rest_framework import pagination, serializers


class PageNumberPagination(pagination.PageNumberPagination):
    """20 a page; `page_size` up to 100 (larger asks are capped). Bad numbers are a 400."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        for name in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(name)
            if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
                raise serializers.ValidationError({name: ["Send a whole number of at least 1."]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters

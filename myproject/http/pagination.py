"""Pages of a list that cost the same on the first page and the thousandth, at any size.

Lists are walked by an indexed key (`pk`), 20 items a page (`page_size` up to 100):
- by default with a cursor: `next` and `previous` are links carrying `cursor=`, and each page
  is an index range scan however deep it is;
- with `?page=N` (the seed contract's pages) by number, with `next`/`previous` by number too.

`count` never counts the world: it is exact up to COUNT_CAP, and beyond it COUNT_CAP with
`count_capped: true` (a count over at most COUNT_CAP + 1 rows of an index).
"""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import pagination, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .filters import PAGE_PARAMETERS


class KeysetPagination(pagination.CursorPagination):
    ordering = "pk"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    page_query_param = "page"
    COUNT_CAP = 1000
    MAX_PAGE = 10_000_000

    def paginate_queryset(self, queryset, request, view=None):
        # A list with filters refuses what it does not take (filters.FilterSet); one without
        # takes nothing but its pages.
        backends = getattr(view, "filter_backends", ())
        if not any(issubclass(backend, DjangoFilterBackend) for backend in backends):
            unknown = sorted(set(request.query_params) - PAGE_PARAMETERS)
            if unknown:
                shown = unknown[0][:64]
                raise serializers.ValidationError(
                    {"non_field_errors": [f"`{shown}` is not a parameter of this list."]}
                )
        for name in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(name)
            if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
                raise serializers.ValidationError({name: ["Send a whole number of at least 1."]})
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is not None and (cursor == "" or self.page_query_param in request.query_params):
            raise serializers.ValidationError(
                {self.cursor_query_param: ["Send the cursor from `next` or `previous`, alone."]}
            )
        counted = queryset.order_by()[: self.COUNT_CAP + 1].count()
        self.count, self.count_capped = min(counted, self.COUNT_CAP), counted > self.COUNT_CAP
        self.page_number = request.query_params.get(self.page_query_param)
        if self.page_number is None:
            return super().paginate_queryset(queryset, request, view)
        return self._numbered_page(queryset, request, int(self.page_number))

    def decode_cursor(self, request):
        if request.query_params.get(self.cursor_query_param) is None:
            return None  # the first page
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = None  # not one this API sent
        position = cursor.position if cursor else None
        if cursor is None or not (position is None or (position.isascii() and position.isdigit())):
            raise serializers.ValidationError(
                {self.cursor_query_param: ["This cursor is not valid."]}
            )
        return cursor

    def _numbered_page(self, queryset, request, number: int) -> list:
        size = self.get_page_size(request)
        self.request = request
        if number > self.MAX_PAGE:  # past any list's last page, and past what OFFSET holds
            raise NotFound("There is no such page.")
        start = (number - 1) * size
        # Skip the earlier pages on the narrow index of keys alone, then read the page's rows
        # (with their joins) by key: an OFFSET over the full rows would join every one skipped.
        keys = list(
            queryset.order_by(self.ordering).values_list("pk", flat=True)[start : start + size + 1]
        )
        rows = list(queryset.filter(pk__in=keys).order_by(self.ordering))
        if not rows and number > 1:
            raise NotFound("There is no such page.")
        self.page_number, self.has_next = number, len(rows) > size
        return rows[:size]

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_capped": self.count_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self):
        if self.page_number is None:
            return super().get_next_link()
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page_number + 1)

    def get_previous_link(self):
        if self.page_number is None:
            return super().get_previous_link()
        if self.page_number == 1:
            return None
        url = self.request.build_absolute_uri()
        if self.page_number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page_number - 1)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "count_capped", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "example": 1,
                    "description": f"How many items match, exactly up to {self.COUNT_CAP}; "
                    f"beyond it {self.COUNT_CAP}, with `count_capped`.",
                },
                "count_capped": {
                    "type": "boolean",
                    "description": f"More than {self.COUNT_CAP} items match.",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where a page starts: follow `next` and `previous`.",
                "schema": {"type": "string", "minLength": 1},
            },
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page by number instead (the seed contract's pages).",
                "schema": {"type": "integer", "minimum": 1, "example": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items a page, {self.page_size} by default, at most "
                f"{self.max_page_size} (larger asks are capped).",
                "schema": {"type": "integer", "minimum": 1, "example": self.page_size},
            },
        ]

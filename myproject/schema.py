"""OpenAPI documentation of the problem-details error format on every operation."""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .problems import PROBLEM_CONTENT_TYPE


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, the body of every error response."""

    type = serializers.CharField(help_text='A URI naming the problem, "urn:problem-type:<code>".')
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for a human.")
    code = serializers.CharField(
        help_text="Stable, for programs: validation_error, parse_error, not_found, "
        "method_not_allowed, invalid_transition, quote_expired, quote_mismatch, "
        "premium_mismatch, length_required, payload_too_large, throttled, insufficient_scope, "
        "server_error, ..."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text='Invalid fields: {"field": ["message", ...]}, at most 20 of them.',
    )
    more_errors = serializers.IntegerField(
        required=False, help_text="How many more fields were invalid than `errors` lists."
    )
    scope = serializers.CharField(
        required=False, help_text="With insufficient_scope: the scope the key needs."
    )


CONFLICT_DESCRIPTION = "The request clashes with the current state of the data."
CONFLICT = OpenApiResponse(ProblemSerializer, description=CONFLICT_DESCRIPTION)


def conflict(name: str, **extensions: serializers.Field) -> OpenApiResponse:
    """A 409 whose problem carries members of its own (RFC 9457's extensions), declared by
    the operations that answer it: the component `name`, the problem's fields and these."""
    problem = type(name, (ProblemSerializer,), {"__doc__": ProblemSerializer.__doc__, **extensions})
    return OpenApiResponse(problem, description=CONFLICT_DESCRIPTION)


def state_field() -> serializers.CharField:
    return serializers.CharField(
        required=False,
        help_text="With invalid_transition, quote_expired and policy_expired: the state the "
        "object reads now.",
    )


# Changes of state refused by myproject.lifecycle: the problem names the state.
TRANSITION_CONFLICT = conflict("TransitionProblem", state=state_field())

ERROR_DESCRIPTIONS = {
    "400": "Invalid request: malformed JSON, unknown or invalid fields (see `errors`).",
    "401": "Missing, invalid, expired or revoked token (`WWW-Authenticate: Token`).",
    "403": "Signed in, but neither a partner nor staff (`permission_denied`), or the key lacks "
    "the scope the operation needs (`insufficient_scope`, naming it in `scope`).",
    "404": "No such resource, one of another partner, or a page past the last.",
    "409": "The request clashes with the data's state, or its Idempotency-Key is in use.",
    "422": "The Idempotency-Key was used with a different request.",
    "429": "Too many requests from this partner, or without a valid token from this address; "
    "retry after `Retry-After` seconds.",
}


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    OpenApiParameter.HEADER,
    description=(
        "Up to 255 characters, unique per request you mean to make once. A retry with the "
        "same key and the same body replays the first response (with `Idempotent-Replayed: "
        "true`) and does nothing again; the same key with another body gives 422; a retry "
        "while the first request runs gives 409. Keys are kept 24 hours. Validation errors "
        "(400) and server errors are not stored: fix and retry with the same key."
    ),
)


class ProblemAutoSchema(AutoSchema):
    """Adds the problem-details error responses every operation can give, and files each
    operation under its section of the docs (settings.API_TAGS)."""

    def get_tags(self):
        matches = [
            (len(start), name)
            for name, _, starts in settings.API_TAGS
            for start in starts
            if self.path.startswith(start)
        ]
        return [max(matches)[1]] if matches else super().get_tags()

    def _is_idempotent(self) -> bool:
        name = getattr(self.view, "action", None) or self.method.lower()
        return getattr(getattr(self.view, name, None), "idempotent", False)

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._is_idempotent():
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters

    def _takes_query(self) -> bool:
        """Declares query parameters (a serializer of them, or OpenApiParameters in the
        query), which are checked as strictly as bodies: a bad one is a 400."""
        return any(
            not isinstance(parameter, OpenApiParameter)
            or parameter.location == OpenApiParameter.QUERY
            for parameter in self.get_override_parameters()
            if parameter is not IDEMPOTENCY_KEY
        )

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["401", "403", "429"] if self.get_auth() else []
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view() or self._takes_query():
            codes.append("400")
        if "{" in self.path or self._is_list_view():
            codes.append("404")
        if self._is_idempotent():
            codes += ["409", "422"]
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ProblemSerializer, description=ERROR_DESCRIPTIONS[code]),
                    code,
                    media_types=[PROBLEM_CONTENT_TYPE],
                )
        for code, response in responses.items():
            if code >= "400" and "application/json" in response.get("content", {}):
                content = response["content"]
                content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return responses


def forbid_undocumented_fields(result, generator, request, public):
    """drf-spectacular hook: request bodies accept only their documented fields."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and "properties" in component:
            component["additionalProperties"] = False
    return result


def _walk(node):
    """Every schema object below `node`."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def examples_that_work(result, generator, request, public):
    """drf-spectacular hook, for Swagger UI's "Try it out": an id gets a small example such as
    1 (Swagger UI would build one from the bound, 2^63-1, which no id is), and query filters
    start empty (an example there would be sent as a filter, and find nothing)."""
    for node in _walk(result.get("components", {}).get("schemas", {})):
        if (
            node.get("type") == "integer"
            and node.get("maximum", 0) > 2**31
            and "example" not in node
        ):
            node["example"] = 1
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter.pop("example", None)
                    parameter.get("schema", {}).pop("example", None)
                elif parameter.get("schema", {}).get("type") == "integer":
                    parameter["schema"].setdefault("example", 1)
    return result

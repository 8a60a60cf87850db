"""The published client contracts' quote endpoints: the seed README's accept.

A seed client restates the quote it accepts (`type`, `premium`, `cover`, `customer`); what it
restates must agree with the quote. That is checked here, after the state checks, so that
`invalid_transition` and `quote_expired` keep their precedence; the services never see it.
"""

from django.urls import include, path
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from customers.access import PartnerScopedMixin, acting_user
from myproject.http.fields import (
    MoneyField,
    StrictBooleanField,
    StrictCharField,
    StrictInputSerializer,
    id_field,
)
from myproject.http.routers import Router
from myproject.idempotency import idempotent
from myproject.lifecycle import check_transition
from myproject.problems import Conflict
from myproject.schema import CONFLICT

from . import services
from .models import Quote
from .serializers import CODE_MAX_LENGTH, QuoteSerializer

RESTATED = ("type", "premium", "cover", "customer")


class QuoteRestatementSerializer(StrictInputSerializer):
    """Optional: fields that restate the quote, which must agree with it."""

    type = StrictCharField(required=False, max_length=CODE_MAX_LENGTH, help_text="Product code.")
    premium = MoneyField(required=False)
    cover = MoneyField(required=False)
    customer = id_field(required=False, help_text="Customer id.")
    state = StrictCharField(
        required=False, max_length=32, help_text="Accepted for compatibility; ignored."
    )
    is_accepted = StrictBooleanField(
        required=False, help_text="Accepted for compatibility; ignored on accept."
    )


def refuse_restated_mismatch(quote: Quote, to: str, restated: dict) -> None:
    """409 if the quote cannot become `to` (state first), then 409 `quote_mismatch` if what the
    client restates about it differs. The restated fields never change, so no lock is needed:
    the service that follows locks the row and checks the state again."""
    check_transition(quote, to)
    actual = {
        "type": quote.product.code,
        "premium": quote.premium,
        "cover": quote.cover,
        "customer": quote.customer_id,
    }
    mismatches = {
        field: [f"The quote has {field} {actual[field]}, not {restated[field]}."]
        for field in RESTATED
        if restated.get(field) is not None and restated[field] != actual[field]
    }
    if mismatches:
        raise Conflict(
            f"The request does not match quote {quote.pk}.",
            code="quote_mismatch",
            errors=mismatches,
        )


class SeedQuoteViewSet(PartnerScopedMixin, viewsets.GenericViewSet):
    partner_path = "partner"
    queryset = Quote.objects.select_related("product")
    serializer_class = QuoteSerializer
    filter_backends = []

    @extend_schema(
        summary="Accept a quote",
        description=(
            "The customer accepts the offer. The body is optional; `type`, `premium`, `cover` "
            "and `customer`, if sent, must match the quote (else 409 `quote_mismatch`). "
            "A quote that is not `quoted`, or has expired, gives 409."
        ),
        request=QuoteRestatementSerializer,
        examples=[OpenApiExample("No body needed", request_only=True, value={})],
        responses={200: QuoteSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        quote = self.get_object()
        params = QuoteRestatementSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        refuse_restated_mismatch(quote, Quote.State.ACCEPTED, params.validated_data)
        quote = services.quote_accept(quote_id=quote.pk, by=acting_user(request))
        return Response(QuoteSerializer(quote).data)


router = Router()
router.register("quotes", SeedQuoteViewSet, basename="seed-quote")

urlpatterns = [path("", include(router.urls))]

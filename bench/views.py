"""The baselines: what this stack serves at its fastest, a customer by primary key and a bare
insert, with no authentication, no DRF and no rules."""

import datetime as dt

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from customers.models import Customer, Partner


def bare_read(request, pk):
    customer = Customer.objects.get(pk=pk)
    return JsonResponse(
        {"id": customer.pk, "first_name": customer.first_name, "dob": str(customer.dob)}
    )


@csrf_exempt
def bare_insert(request):
    customer = Customer.objects.create(
        partner=Partner.objects.only("pk").first(),
        first_name="Bare",
        last_name="Insert",
        dob=dt.date(1991, 6, 25),
    )
    return JsonResponse({"id": customer.pk}, status=201)


class QueryCountMiddleware:
    """X-Queries: how many SQL statements the request ran."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = [0]

        def counting(execute, sql, params, many, context):
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response["X-Queries"] = str(count[0])
        return response

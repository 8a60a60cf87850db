"""Errors of the HTTP layer that are not the client's fault."""

from rest_framework import exceptions, status

# What a 503 asks a client to wait, in seconds: a restarting database or Redis is back soon.
RETRY_AFTER_SECONDS = 5


class ServiceUnavailable(exceptions.APIException):
    """A dependency (the database, Redis) is down: retry after RETRY_AFTER_SECONDS."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is briefly unavailable; retry shortly."
    default_code = "service_unavailable"

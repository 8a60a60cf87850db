"""Conventions every request and response follows: no body the app cannot frame, and no
caching of API responses."""

from django.http import HttpResponse

from ..problems import problem_json_response


class RefuseUnframedBodiesMiddleware:
    """A body sent with Transfer-Encoding (chunked) gets 411: WSGI frames bodies by
    Content-Length, so Django would read such a body as empty and act on a request the client
    never sent. The proxy in deploy/nginx.conf buffers chunked bodies and forwards them with a
    Content-Length, so clients behind it may still send them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_TRANSFER_ENCODING" in request.META:
            return problem_json_response(
                411, "length_required", "Send the body with a Content-Length, not chunked."
            )
        return self.get_response(request)


class NoStoreAPIMiddleware:
    """API responses hold personal data and change with every write: no cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response: HttpResponse = self.get_response(request)
        if request.path.startswith("/api/v1"):
            response["Cache-Control"] = "no-store"
        return response

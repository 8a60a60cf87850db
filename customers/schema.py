from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    """Swagger UI's Authorize button takes the token alone and sends it as Bearer."""

    target_class = "customers.access.TokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "Paste the partner's key alone (Swagger UI adds `Bearer`). Keys come from "
                "`python manage.py create_partner NAME` (or `make run`, which prints one); "
                "other clients send `Authorization: Token <key>` or `Bearer <key>`."
            ),
        }

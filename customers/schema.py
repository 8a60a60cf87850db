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
                "A partner token from `python manage.py create_partner NAME`, sent as "
                "`Authorization: Token <key>` or `Authorization: Bearer <key>`."
            ),
        }

"""Who is calling and what they may see: partners see their own customers' data, staff all."""

import binascii
from hmac import compare_digest

from django.db.models import QuerySet
from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import exceptions, permissions, relations

from myproject.http.fields import ID_PATH_PATTERN

from .models import Partner


class TokenAuthentication(KnoxTokenAuthentication):
    """django-rest-knox tokens, sent as `Authorization: Token <key>` or `Bearer <key>`."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        parts = request.META.get("HTTP_AUTHORIZATION", "").encode("latin-1", "replace").split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        # Swagger UI's Authorize dialog prefixes Bearer to what is pasted: `Token <key>`
        # pasted there arrives as `Bearer Token <key>`, and means the same.
        if len(parts) == 3 and parts[0].lower() == b"bearer" and parts[1].lower() == b"token":
            parts = parts[1:]
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send `Authorization: Token <key>`.")
        try:
            parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        return self.authenticate_credentials(parts[1])

    def authenticate_credentials(self, token: bytes):
        """One indexed query finds the token with its user and partner. (Knox's own also reads
        all the user's other tokens on every request, to delete expired ones; an expired token
        is deleted here when it is presented.)"""
        token = token.decode()
        candidates = AuthToken.objects.select_related("user__partner").filter(
            token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]
        )
        for auth_token in candidates:
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                auth_token.delete()
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error) as exc:
                raise exceptions.AuthenticationFailed("Invalid token.") from exc
            if compare_digest(digest, auth_token.digest):
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed("Invalid token.")


def partner_of(user) -> Partner | None:
    """The partner a user signs in for, or None (staff, anonymous)."""
    if not user or not user.is_authenticated:
        return None
    try:
        return user.partner
    except Partner.DoesNotExist:
        return None


def visible_to(queryset: QuerySet, user, partner_path: str) -> QuerySet:
    """Staff see everything; a partner only rows whose `partner_path` is itself."""
    if user.is_staff:
        return queryset
    partner = partner_of(user)
    if partner is None:
        return queryset.none()
    return queryset.filter(**{partner_path: partner})


class IsPartnerOrStaff(permissions.BasePermission):
    message = "This API is for partners and staff."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff or partner_of(user)))


class PartnerScopedMixin:
    # A viewset whose objects belong to a partner through `partner_path`: another partner's
    # objects are simply not found (404), exactly like unknown ids. (A comment, not a
    # docstring: drf-spectacular would publish a docstring as every operation's description.)

    partner_path: str
    lookup_value_regex = ID_PATH_PATTERN

    def get_queryset(self):
        return visible_to(super().get_queryset(), self.request.user, self.partner_path)

    def filter_queryset(self, queryset):
        # Filters belong to lists: a detail route builds no FilterSet.
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)


class ScopedPrimaryKeyRelatedField(relations.PrimaryKeyRelatedField):
    """An id in a request body that must name an object the caller may see.

    Another partner's object is refused exactly like an unknown id (400 on the field).
    """

    def __init__(self, *, partner_path: str, **kwargs):
        self.partner_path = partner_path
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        queryset = super().get_queryset()
        if request is None:
            return queryset.none()
        return visible_to(queryset, request.user, self.partner_path)


def acting_user(request):
    """The authenticated user behind a request, or None; services record it in history."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None

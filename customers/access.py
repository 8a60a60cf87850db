"""Who is calling and what they may see: partners see their own customers' data, staff all."""

import binascii
from hmac import compare_digest

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404
from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import exceptions, permissions, relations

from myproject.http.fields import ID_PATH_PATTERN
from myproject.sql import fetch_one

from .models import SCOPES, Partner, TokenGrant


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
        """The token with its user and partner: from the shared cache (no query), else one
        indexed query, kept in the cache for AUTH_CACHE_SECONDS (never past its expiry).
        Deleting a token (revoking it) or deactivating its user deletes the cached copy, on
        every node at once. (Knox's own also reads all the user's other tokens on every
        request, to delete expired ones; an expired token is deleted here when presented.)"""
        token = token.decode()
        try:
            digest = hash_token(token)
        except (TypeError, binascii.Error) as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        auth_token = _cached(digest)
        if auth_token is None:
            auth_token = self._read(token, digest)
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            raise exceptions.AuthenticationFailed("Invalid token.")
        return self.validate_user(auth_token)

    @staticmethod
    def _read(token: str, digest: str) -> AuthToken:
        # With its grant (its scopes), or the absence of one: no query later to find out.
        candidates = AuthToken.objects.select_related("user__partner", "grant").filter(
            token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]
        )
        for auth_token in candidates:
            if compare_digest(digest, auth_token.digest):
                _keep(auth_token)
                return auth_token
        raise exceptions.AuthenticationFailed("Invalid token.")


def _cache_key(digest: str) -> str:
    return f"auth-token:{digest}"


def _cached(digest: str) -> AuthToken | None:
    try:
        return cache.get(_cache_key(digest))
    except Exception:  # the cache is down: read the database
        return None


def _keep(auth_token: AuthToken) -> None:
    seconds = settings.AUTH_CACHE_SECONDS
    if auth_token.expiry is not None:
        seconds = min(seconds, (auth_token.expiry - timezone.now()).total_seconds())
    if seconds >= 1:
        try:
            cache.set(_cache_key(auth_token.digest), auth_token, int(seconds))
        except Exception:  # the cache is down: the next request reads the database
            pass


def forget_token(digest: str) -> None:
    """A token revoked (deleted) is refused from the next request on, on every node."""
    cache.delete(_cache_key(digest))


@receiver(post_delete, sender=AuthToken, dispatch_uid="forget-revoked-token")
def _forget_revoked(sender, instance, **kwargs):
    forget_token(instance.digest)


@receiver(post_save, sender=TokenGrant, dispatch_uid="forget-regranted-token")
def _forget_regranted(sender, instance, **kwargs):
    forget_token(instance.token_id)  # its digest: the next request reads the new scopes


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="forget-inactive-tokens")
def _forget_inactive_users_tokens(sender, instance, **kwargs):
    if not instance.is_active:
        for digest in AuthToken.objects.filter(user=instance).values_list("digest", flat=True):
            forget_token(digest)


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


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"

    def __init__(self, scope: str):
        super().__init__(f"This key may not do this: it needs the `{scope}` scope.")
        self.extra = {"scope": scope}


def token_scopes(auth) -> frozenset[str]:
    """What the request's key may do: its grant's scopes, or every scope (a key made without
    scopes, or staff signed in to admin)."""
    try:
        return frozenset(auth.grant.scopes)
    except (AttributeError, TokenGrant.DoesNotExist):
        return frozenset(SCOPES)


def require_scope(request, scope: str) -> None:
    """403 `insufficient_scope`, naming the scope, unless the request's key has it."""
    if scope not in token_scopes(request.auth):
        raise InsufficientScope(scope)


class HasScope(permissions.BasePermission):
    """Each request needs one scope: `read` to read, else the view's `write_scope`, or what
    `scopes` names for an action. A view whose writes need several checks them itself
    (`write_scope = None`, then `require_scope`)."""

    def has_permission(self, request, view):
        action = getattr(view, "action", None)
        scopes = getattr(view, "scopes", {})
        if action in scopes:
            scope = scopes[action]
        elif request.method in permissions.SAFE_METHODS:
            scope = "read"
        elif not hasattr(view, request.method.lower()):
            return True  # a method the route does not take: 405 follows
        else:
            scope = view.write_scope  # every view that writes declares it
        if scope is not None:
            require_scope(request, scope)
        return True


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

    # A read by id for the actions `read_by_key` names comes with the objects it lists for
    # the action, in one statement written once (myproject.sql.fetch_one), not a queryset
    # built and compiled per request.
    read_by_key: dict[str, tuple[str, ...]] = {"retrieve": ()}

    def get_object(self):
        if self.action not in self.read_by_key:
            return super().get_object()
        user, where = self.request.user, None
        if not user.is_staff:
            partner = partner_of(user)
            if partner is None:
                raise Http404
            where = {f"{self.partner_path}_id": partner.pk}
        pk = int(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        related = self.read_by_key[self.action]
        found = fetch_one(self.queryset.model, pk, related=related, where=where)
        if found is None:
            raise Http404
        self.check_object_permissions(self.request, found)
        return found


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

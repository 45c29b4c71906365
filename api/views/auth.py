from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.models import ApiToken
from api.serializers import TokenRequestSerializer, TokenResponseSerializer


class TokenView(APIView):
    """POST username and password for a bearer token; DELETE revokes the token in use."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def get_authenticators(self):
        if self.request is not None and self.request.method == "DELETE":
            from api.authentication import BearerTokenAuthentication

            return [BearerTokenAuthentication()]
        return super().get_authenticators()

    def get_permissions(self):
        if self.request is not None and self.request.method == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Through authenticate(), so django-axes counts failures and locks out
        # repeated guessing.
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"password": [_("The username or password is wrong.")]}
            )
        token, raw = ApiToken.issue(user)
        return Response({"token": raw, "expires_at": token.expires_at}, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if isinstance(request.auth, ApiToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

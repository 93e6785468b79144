from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.api.views import PlatformAPIView
from core.errors import PlatformError


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField()


class TokenView(PlatformAPIView):
    """`POST {"username", "password"}` → `{"token"}`; then send `Authorization: Token <token>`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer,
                   responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}))
    def post(self, request):  # noqa: ANN001, ANN201
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if user is None or not user.is_active:
            raise PlatformError("用户名或密码不正确", code="authentication_failed", status=400)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(PlatformAPIView):
    """The signed-in user's division, unit and roles."""

    @extend_schema(responses=inline_serializer("Me", {
        "username": serializers.CharField(), "division": serializers.CharField(allow_null=True),
        "roles": serializers.ListField(child=serializers.CharField())}))
    def get(self, request):  # noqa: ANN001, ANN201
        u = request.user
        return Response({"username": u.username, "display_name": str(u), "division": u.division_id,
                         "unit": u.unit_id, "roles": u.roles, "is_superuser": u.is_superuser})

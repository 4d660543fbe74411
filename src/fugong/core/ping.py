"""``GET /api/v1/ping/``: an authenticated request that does nothing else.

It goes through the same middleware, authentication classes and permission check as every API view and
answers a constant, so it measures the cost of the stack itself (the floor the check-in benchmark
compares against) and lets a device or a monitor check that its token still works.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class PingView(APIView):
    @extend_schema(
        responses=inline_serializer("Ping", fields={"ok": serializers.BooleanField()}),
        description='已登录（会话、令牌或设备令牌）时返回 {"ok": true}。',
    )
    def get(self, request):
        return Response({"ok": True})

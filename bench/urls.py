from django.urls import path
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_shell.urls import urlpatterns as service_urlpatterns


class OpenApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class ProtectedApi(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    *service_urlpatterns,
    path("bench/open", OpenApi.as_view()),
    path("bench/protected", ProtectedApi.as_view()),
]

"""The profile image endpoints: upload or replace, delete, and the signed file URLs of the local store."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from dependency_injector.wiring import Provide, inject
from django.core import signing
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from adapters.local_files.profile_image_store import LocalFileProfileImageStore
from application.ports.profile_image_store import ProfileImageStore
from application.use_cases.profile_image import (
    DeleteProfileImage,
    DeleteProfileImageCommand,
    ProfileImageUrl,
    ProfileImageUrlCommand,
    UploadProfileImage,
    UploadProfileImageCommand,
)
from django_shell import openapi
from django_shell.accounts import credentials
from django_shell.accounts.models import User
from django_shell.request_bodies import read_at_most
from domain.values import PROFILE_IMAGE_MAX_BYTES, ImageFormat, ProfileImage

_SIGNING_SALT = "cognito_auth.profile_image_file"
_DEAD_LINK = "The link is invalid or has expired."
# spectacular takes (status, media type) keys, which `openapi.operation` does not type.
_IMAGE_RESPONSES: dict[Any, Any] = {
    (status.HTTP_200_OK, image_format.content_type): OpenApiTypes.BINARY for image_format in ImageFormat
}
# What any request with a token may be refused for, the refresh of an expired one included.
_TOKEN_ERRORS = ("BadRequest", "NotAcceptable", *openapi.PROVIDER_ERRORS, *openapi.TOKEN_ERRORS)


class ImageParser(BaseParser):
    """The request body, for any `image/*` content type, as `{"image": bytes}`: the content, not the
    declared type, decides whether it is an image.

    DATA_UPLOAD_MAX_MEMORY_SIZE (64 KiB) guards `request.body`, which this parser never touches: it
    reads the stream itself, at most one byte past the image limit, so that the domain can tell
    "too large" while the server never holds more. A Content-Length past the limit is refused
    before anything is read.
    """

    media_type = "image/*"

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> dict[str, bytes]:
        request = (parser_context or {})["request"]
        # DRF hands a stream to parsers only for a valid, non-zero Content-Length.
        ProfileImage.check_size(int(request.META["CONTENT_LENGTH"]))
        return {"image": read_at_most(stream, PROFILE_IMAGE_MAX_BYTES + 1)}


class ProfileImageApi(APIView):
    """`PUT /auth/me/image` with the image as the whole body (`Content-Type: image/jpeg`, `image/png`
    or `image/webp`) makes it the user's profile image, replacing any; `DELETE` removes it."""

    permission_classes = (IsAuthenticated,)
    parser_classes = (ImageParser,)
    http_method_names = ["put", "delete", "options"]

    class OutputSerializer(serializers.Serializer):
        image_url = serializers.URLField(help_text="Where the new image can be fetched, for a few minutes.")

    @openapi.operation(
        operation_id="upload_profile_image",
        summary="Make the request body the user's profile image, replacing any.",
        description="The body is the image itself, at most 5 MiB. JPEG, PNG and WebP are taken, told apart by their "
        "first bytes rather than by the declared type.",
        request={"image/*": OpenApiTypes.BINARY},
        responses={200: OutputSerializer},
        errors=(*_TOKEN_ERRORS, "ValidationError", "ImageTooLarge", "UnsupportedMediaType"),
        security=openapi.ACCESS,
        response_example={"image_url": "https://auth.example.com/media/profile-images/the-signed-key/"},
    )
    @inject
    def put(self, request: Request, upload: UploadProfileImage = Provide["upload_profile_image"]) -> Response:
        # Without a body DRF parses nothing; the domain then says what an image must be.
        content = request.data.get("image", b"")
        uploaded = upload(
            UploadProfileImageCommand(owner_sub=credentials.authenticated_claims(request).sub, content=content)
        )
        return Response(self.OutputSerializer({"image_url": request.build_absolute_uri(uploaded.url)}).data)

    @openapi.operation(
        operation_id="delete_profile_image",
        summary="Remove the user's profile image, if there is one.",
        responses={204: None},
        errors=_TOKEN_ERRORS,
        security=openapi.ACCESS,
    )
    @inject
    def delete(self, request: Request, delete: DeleteProfileImage = Provide["delete_profile_image"]) -> Response:
        delete(DeleteProfileImageCommand(owner_sub=credentials.authenticated_claims(request).sub))
        return Response(status=status.HTTP_204_NO_CONTENT)


def profile_image_url(request: Request) -> str | None:
    """The absolute, short-lived URL of the signed-in user's image, or None; for the profile."""
    user = request.user
    # The key comes from the user the request already holds, so the profile costs no query; and
    # without an image, no use-case is even built.
    key = user.profile_image_key if isinstance(user, User) else ""
    return _image_url(request, key) if key else None


@inject
def _image_url(request: Request, key: str, url: ProfileImageUrl = Provide["profile_image_url"]) -> str | None:
    found = url(ProfileImageUrlCommand(key=key))
    return None if found is None else request.build_absolute_uri(found)


def signed_image_url(key: str, expires_in: int) -> str:
    """The local store's URL for `key`: a path whose last segment is the key and its expiry,
    signed with SECRET_KEY, so that it works without tokens, as a presigned S3 URL does."""
    token = signing.dumps({"key": key, "expires": int(time.time()) + expires_in}, salt=_SIGNING_SALT)
    return reverse("profile_image_file", kwargs={"token": token})


def _signed_key(token: str) -> tuple[str, int]:
    """The key a URL of `signed_image_url` names, and the seconds it has left; `PermissionDenied`
    for a forged or expired one."""
    try:
        signed = signing.loads(token, salt=_SIGNING_SALT)
    except signing.BadSignature:
        raise exceptions.PermissionDenied(_DEAD_LINK) from None
    remaining = int(signed["expires"]) - int(time.time())
    if remaining <= 0:
        raise exceptions.PermissionDenied(_DEAD_LINK)
    return str(signed["key"]), remaining


class ProfileImageFileApi(APIView):
    """Serves the local store's images to whoever holds a URL from `signed_image_url`. The URL is
    the credential, so tokens are not looked at and the same URL works in an `<img>`."""

    handles_tokens_itself = True
    authentication_classes = ()
    http_method_names = ["get", "head", "options"]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # An `<img>` accepts images only, which the view sends without a renderer: no 406 for it,
        # and errors still go out as JSON.
        return super().perform_content_negotiation(request, force=True)

    @openapi.operation(
        operation_id="get_profile_image",
        summary="A profile image, by the URL that a profile's `image_url` gave.",
        description="Needs no token: the URL is signed and expires.",
        responses=_IMAGE_RESPONSES,
        errors=("PermissionDenied", "NotFound", "ProviderUnavailable"),
        security=openapi.NONE,
    )
    @inject
    def get(
        self, request: Request, token: str, store: ProfileImageStore = Provide["profile_image_store"]
    ) -> HttpResponse:
        key, remaining = _signed_key(token)
        # A URL signed while the service kept images locally is dead once it keeps them in S3.
        image = store.read(key) if isinstance(store, LocalFileProfileImageStore) else None
        if image is None:
            raise exceptions.NotFound("The image no longer exists.")
        response = HttpResponse(image.content, content_type=image.format.content_type)
        patch_cache_control(response, private=True, max_age=remaining)
        # Uploaded content on the API's own origin: should a browser ever take it for a document,
        # it may run nothing and load nothing.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

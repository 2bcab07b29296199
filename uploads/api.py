"""REST API for uploads and exams: the same pipeline as the browser, with token auth."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from centers.models import Center
from challenges.models import Task
from uploads import selectors, services
from uploads.serializers import (
    ExamSerializer,
    UploadCreateSerializer,
    UploadedFileSerializer,
    UploadSerializer,
)


def _as_api_error(error: ValidationError) -> ApiValidationError:
    return ApiValidationError(
        error.message_dict if hasattr(error, "error_dict") else error.messages
    )


class UploadListCreate(APIView):
    @extend_schema(request=UploadCreateSerializer, responses={201: UploadSerializer})
    def post(self, request: Request) -> Response:
        payload = UploadCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        task = Task.objects.filter(slug=data.pop("task")).first()
        center = Center.objects.filter(slug=data.pop("center")).first()
        problems = {}
        if task is None:
            problems["task"] = ["Unknown task."]
        if center is None:
            problems["center"] = ["Unknown center."]
        if problems:
            raise ApiValidationError(problems)
        try:
            upload = services.start_upload(user=request.user, task=task, center=center, **data)
        except ValidationError as error:
            raise _as_api_error(error) from error
        except PermissionDenied as error:
            raise ApiPermissionDenied(str(error)) from error
        return Response(UploadSerializer(upload).data, status=status.HTTP_201_CREATED)


class UploadDetail(RetrieveAPIView):
    serializer_class = UploadSerializer
    lookup_url_kwarg = "upload_id"

    def get_queryset(self):
        return selectors.uploads_visible_to(self.request.user).prefetch_related("files")


class RawBytes(BaseParser):
    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream


class UploadFile(APIView):
    """Send one file (DICOM, JPEG or zip) as the raw request body; it is streamed to quarantine."""

    parser_classes = [RawBytes]

    @extend_schema(
        request={"application/octet-stream": {"type": "string", "format": "binary"}},
        responses={201: UploadedFileSerializer},
        parameters=[OpenApiParameter("Content-Length", location="header", type=int, required=True)],
    )
    def post(self, request: Request, upload_id) -> Response:
        upload = get_object_or_404(selectors.uploads_visible_to(request.user), pk=upload_id)
        if upload.uploaded_by_id != request.user.id:
            raise ApiPermissionDenied("Only the person who opened this upload adds files to it.")
        try:
            length = int(request.headers.get("Content-Length", ""))
        except ValueError:
            raise ApiValidationError({"Content-Length": ["Required, in bytes."]}) from None
        try:
            uploaded = services.add_file(upload=upload, size=length)
            if length:
                services.receive_chunk(
                    uploaded_file=uploaded, offset=0, stream=request._request, length=length
                )
        except ValidationError as error:
            raise _as_api_error(error) from error
        uploaded.refresh_from_db()
        return Response(UploadedFileSerializer(uploaded).data, status=status.HTTP_201_CREATED)


class ExamList(ListAPIView):
    serializer_class = ExamSerializer

    def get_queryset(self):
        return selectors.exams_visible_to(self.request.user).select_related("task", "center")


class ExamDetail(RetrieveAPIView):
    serializer_class = ExamSerializer
    lookup_field = "public_id"

    def get_queryset(self):
        return selectors.exams_visible_to(self.request.user).select_related("task", "center")

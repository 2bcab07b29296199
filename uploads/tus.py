"""A small tus 1.0 server (core + creation + termination) that streams chunks to quarantine.

Browsers (Uppy) and API clients resume interrupted uploads with HEAD + PATCH. Request bodies
are read in blocks with request.read(n), never whole. Upload-Metadata (which carries the file
name) is ignored: names never reach the server's storage or logs.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.csrf import csrf_protect

from uploads import services
from uploads.models import UploadedFile
from uploads.selectors import uploads_visible_to

TUS_VERSION = "1.0.0"


def _tus_response(status: int, **headers: str) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(status: int, message: str) -> HttpResponse:
    response = _tus_response(status)
    response.content = message.encode()
    response["Content-Type"] = "text/plain; charset=utf-8"
    return response


def _header_int(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.headers.get(name, ""))
    except ValueError:
        return None


@csrf_protect
def collection(request: HttpRequest, upload_id) -> HttpResponse:
    """OPTIONS: capabilities; POST: create an upload resource for one file."""
    if request.method == "OPTIONS":
        return _tus_response(
            204,
            Tus_Version=TUS_VERSION,
            Tus_Extension="creation,termination",
            Tus_Max_Size=str(services.MAX_FILE_SIZE),
        )
    if not request.user.is_authenticated:
        return _error(401, "Log in first.")
    if request.method != "POST":
        return _error(405, "Method not allowed.")
    upload = get_object_or_404(uploads_visible_to(request.user), pk=upload_id)
    if upload.uploaded_by_id != request.user.id:
        raise PermissionDenied
    length = _header_int(request, "Upload-Length")
    if length is None:
        return _error(400, "Upload-Length header is missing or not a number.")
    try:
        uploaded = services.add_file(upload=upload, size=length)
    except ValidationError as error:
        return _error(413 if length > 0 else 400, " ".join(error.messages))
    location = reverse("uploads:tus_file", args=[upload.id, uploaded.id])
    return _tus_response(201, Location=request.build_absolute_uri(location), Upload_Offset="0")


@csrf_protect
def resource(request: HttpRequest, upload_id, file_id) -> HttpResponse:
    """HEAD: bytes received so far; PATCH: append a chunk; DELETE: abandon the file."""
    if not request.user.is_authenticated:
        return _error(401, "Log in first.")
    uploaded = get_object_or_404(
        UploadedFile.objects.filter(
            upload__in=uploads_visible_to(request.user), upload__uploaded_by=request.user
        ),
        upload_id=upload_id,
        pk=file_id,
    )
    if request.method == "HEAD":
        return _tus_response(
            200, Upload_Offset=str(uploaded.offset), Upload_Length=str(uploaded.size)
        )
    if request.method == "DELETE":
        try:
            services.cancel_file(uploaded_file=uploaded)
        except ValidationError as error:
            return _error(409, " ".join(error.messages))
        return _tus_response(204)
    if request.method != "PATCH":
        return _error(405, "Method not allowed.")
    if request.content_type != "application/offset+octet-stream":
        return _error(415, "Content-Type must be application/offset+octet-stream.")
    offset = _header_int(request, "Upload-Offset")
    length = _header_int(request, "Content-Length")
    if offset is None or length is None:
        return _error(400, "Upload-Offset and Content-Length are required.")
    if offset != uploaded.offset:
        return _error(409, "Upload-Offset does not match the bytes received.")
    try:
        new_offset = services.receive_chunk(
            uploaded_file=uploaded, offset=offset, stream=request, length=length
        )
    except ValidationError as error:
        return _error(409, " ".join(error.messages))
    return _tus_response(204, Upload_Offset=str(new_offset))

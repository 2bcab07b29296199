from django.urls import path

from uploads import api

urlpatterns = [
    path("uploads/", api.UploadListCreate.as_view(), name="api-uploads"),
    path("uploads/<uuid:upload_id>/", api.UploadDetail.as_view(), name="api-upload"),
    path("uploads/<uuid:upload_id>/files/", api.UploadFile.as_view(), name="api-upload-files"),
    path("exams/", api.ExamList.as_view(), name="api-exams"),
    path("exams/<str:public_id>/", api.ExamDetail.as_view(), name="api-exam"),
]

from django.urls import path

from uploads import tus, views

app_name = "uploads"
urlpatterns = [
    path("new/", views.upload_new, name="new"),
    path("<uuid:upload_id>/", views.upload_session, name="session"),
    path("<uuid:upload_id>/progress/", views.upload_progress, name="progress"),
    path("<uuid:upload_id>/tus/", tus.collection, name="tus"),
    path("<uuid:upload_id>/tus/<uuid:file_id>", tus.resource, name="tus_file"),
    path("exams/", views.exam_list, name="exams"),
    path("exams/<str:public_id>/", views.exam_detail, name="exam"),
    path("exams/<str:public_id>/review/", views.review_decide, name="review"),
    path("exams/<str:public_id>/images/<int:index>.png", views.exam_preview, name="preview"),
    path("exams/<str:public_id>/withdraw/", views.exam_withdraw, name="withdraw"),
    path("review/", views.review_queue, name="review_queue"),
]

from django.urls import path

from challenges import views

app_name = "challenges"
urlpatterns = [
    path("", views.challenge_list, name="list"),
    path("new/", views.challenge_new, name="new"),
    path("<slug:slug>/tasks/new/", views.task_new, name="task_new"),
    path("<slug:slug>/", views.challenge_detail, name="detail"),
]

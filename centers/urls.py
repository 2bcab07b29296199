from django.urls import path

from centers import views

app_name = "centers"
urlpatterns = [
    path("", views.center_list, name="list"),
    path("register/", views.center_request, name="request"),
    path("<slug:slug>/decide/", views.center_decide, name="decide"),
    path("invitations/new/", views.invitation_new, name="invitation_new"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

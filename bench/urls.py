from django.urls import path

from myproject.urls import urlpatterns as project

from .views import bare_insert, bare_read

urlpatterns = [
    path("bench/bare/<int:pk>/", bare_read),
    path("bench/bare-insert/", bare_insert),
    *project,
]

"""The service's URLs with the admin, for the admin's tests."""

from django.contrib import admin
from django.urls import path

from django_shell.urls import urlpatterns as service_urlpatterns

urlpatterns = [*service_urlpatterns, path("admin/", admin.site.urls)]

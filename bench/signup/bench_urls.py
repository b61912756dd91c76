from bench_floor import floor
from django.urls import path

from kepu.urls import urlpatterns as kepu_urlpatterns

urlpatterns = [path("floor/shifts/<int:shift_id>/signup/", floor), *kepu_urlpatterns]

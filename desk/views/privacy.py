"""Personal data on request: export or delete one person's data; what is kept and for how long."""

urlpatterns: list = []

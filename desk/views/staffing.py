"""An event's staffing: the roster with fill rates, attendance and hours, messages and their delivery."""

urlpatterns: list = []

"""An event's registrations: add, import, tickets, poster, revoke, the self check-in code."""

urlpatterns: list = []

"""The desk's home (/desk/): today's and this week's events, what needs a hand; sign-in and sign-out."""

urlpatterns: list = []

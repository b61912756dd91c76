"""The desk's pages, one module per part of the organizer's day (see desk/urls.py)."""

"""The permission matrix: every route of kepu.urls × every method its view allows × every role, against
one table of expected outcomes. A route (or method) without a row fails the suite, and so does a row
whose route no longer exists: adding a route means deciding, here, who may use it.

The world (tests/kepu/conftest.py): a prefecture association with two counties, A and B, each with
an event happening now, its campaign, venue, organization, shift, volunteers, sign-up, registration,
check-in, headcount, poster, staff code and notifications. Every request targets county A's records;
the roles are who sends it:

    anonymous   nobody signed in
    volunteer   a volunteer of county A with no sign-up
    on_duty     a volunteer of county A signed up (confirmed) to the shift of A's event
    own         an organizer of county A
    other       an organizer of county B (the other county)
    prefecture  an organizer of the prefecture: reads into county A, writes into it (must be refused)
    superuser   a superuser with no organizer profile

Outcome classes: "ok" 2xx/3xx, "denied" 401/403/404 or a redirect to a login page, "bad" 400 (a write
allowed but whose body is empty or invalid), "conflict" 409, "405" method not allowed.

Left out, and why: admin/ (the admin's own permissions; its actions have their table below),
i18n/ (Django's language switch, no data), static files (not routed in kepu.urls), the DRF
format-suffix variants of the API routes (the same views as the routes without suffix), and HEAD
and OPTIONS (HEAD answers as GET does; OPTIONS describes the view and reads no record).
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "volunteer", "on_duty", "own", "other", "prefecture", "superuser")
METHODS = ("get", "post", "put", "patch", "delete")
EXCLUDED_PREFIXES = ("admin/", "i18n/")


# fmt: off
EXPECTED = {
    # (route name, method):                     "anonym. volunt. on_duty own     other   prefec. superuser"
    ("api:checkin-scan", "POST"):                "denied  denied  ok      ok      denied  denied  denied",
    ("api:checkin-batch", "POST"):               "denied  denied  ok      ok      denied  denied  denied",
    # The other county lists an empty page of registrations, as for every list of records it cannot read.
    ("api:event-registrations", "GET"):          "denied  denied  denied  ok      ok      ok      denied",
    ("api:event-registrations", "POST"):         "denied  denied  denied  ok      denied  denied  denied",
    ("api:event-registrations-import", "POST"):  "denied  denied  denied  bad     denied  denied  denied",
    ("api:event-headcounts", "GET"):             "denied  denied  ok      ok      denied  ok      denied",
    ("api:event-headcounts", "POST"):            "denied  denied  ok      ok      denied  denied  denied",
    ("api:event-paper-checkins", "POST"):        "denied  denied  denied  ok      denied  denied  denied",
    ("api:event-poster-code", "GET"):            "denied  denied  denied  ok      denied  ok      denied",
    ("api:event-poster-code", "POST"):           "denied  denied  denied  ok      denied  denied  denied",
    ("api:event-scan-log", "GET"):               "denied  denied  denied  ok      denied  ok      denied",
    ("api:event-attendance", "GET"):             "denied  denied  ok      ok      denied  ok      denied",
    ("api:registration-detail", "GET"):          "denied  denied  denied  ok      denied  ok      denied",
    ("api:registration-revoke", "POST"):         "denied  denied  denied  ok      denied  denied  denied",
    ("api:registration-qr-png", "GET"):          "denied  denied  denied  ok      denied  ok      denied",
    ("api:registration-qr-svg", "GET"):          "denied  denied  denied  ok      denied  ok      denied",
    ("api:checkin-search", "GET"):               "denied  denied  ok      ok      denied  ok      denied",
    ("api:checkin-annul", "POST"):               "denied  denied  bad     ok      denied  denied  denied",
    ("api:checkin-review", "POST"):              "denied  denied  denied  bad     denied  denied  denied",
    ("api:event-checkins-held", "GET"):          "denied  denied  denied  ok      denied  ok      denied",
    ("api:api-token", "POST"):                   "bad     bad     bad     bad     bad     bad     bad",
    ("api:region-list", "GET"):                  "ok      ok      ok      ok      ok      ok      ok",
    ("api:region-detail", "GET"):                "ok      ok      ok      ok      ok      ok      ok",
    ("api:organization-list", "GET"):            "denied  denied  denied  ok      ok      ok      denied",
    ("api:organization-list", "POST"):           "denied  denied  denied  bad     bad     bad     denied",
    ("api:organization-detail", "GET"):          "denied  denied  denied  ok      denied  ok      denied",
    ("api:organization-detail", "PUT"):          "denied  denied  denied  bad     denied  denied  denied",
    ("api:organization-detail", "PATCH"):        "denied  denied  denied  ok      denied  denied  denied",
    ("api:organization-detail", "DELETE"):       "denied  denied  denied  ok      denied  denied  denied",
    ("api:organization-memberships", "POST"):    "denied  denied  denied  ok      denied  denied  denied",
    ("api:organization-supports", "POST"):       "denied  denied  denied  ok      denied  denied  denied",
    # The register of science-popularization sites: as the organizations.
    ("api:site-list", "GET"):                    "denied  denied  denied  ok      ok      ok      denied",
    ("api:site-list", "POST"):                   "denied  denied  denied  bad     bad     bad     denied",
    ("api:site-detail", "GET"):                  "denied  denied  denied  ok      denied  ok      denied",
    ("api:site-detail", "PUT"):                  "denied  denied  denied  bad     denied  denied  denied",
    ("api:site-detail", "PATCH"):                "denied  denied  denied  ok      denied  denied  denied",
    ("api:site-detail", "DELETE"):               "denied  denied  denied  ok      denied  denied  denied",
    ("api:site-repairs", "POST"):                "denied  denied  denied  ok      denied  denied  denied",
    ("api:site-books", "POST"):                  "denied  denied  denied  ok      denied  denied  denied",
    # Imports into the sender's own association's register: an empty upload is refused.
    ("api:site-import", "POST"):                 "denied  denied  denied  bad     bad     bad     denied",
    # Media columns, news reports, contests: as the sites.
    ("api:media-column-list", "GET"):            "denied  denied  denied  ok      ok      ok      denied",
    ("api:media-column-list", "POST"):           "denied  denied  denied  bad     bad     bad     denied",
    ("api:media-column-detail", "GET"):          "denied  denied  denied  ok      denied  ok      denied",
    ("api:media-column-detail", "PUT"):          "denied  denied  denied  bad     denied  denied  denied",
    ("api:media-column-detail", "PATCH"):        "denied  denied  denied  ok      denied  denied  denied",
    ("api:media-column-detail", "DELETE"):       "denied  denied  denied  ok      denied  denied  denied",
    ("api:media-column-episodes", "POST"):       "denied  denied  denied  ok      denied  denied  denied",
    # Imports into a column of the sender's association: an empty upload is refused.
    ("api:media-column-episodes-import", "POST"): "denied  denied  denied  bad     denied  denied  denied",
    ("api:news-report-list", "GET"):             "denied  denied  denied  ok      ok      ok      denied",
    ("api:news-report-list", "POST"):            "denied  denied  denied  bad     bad     bad     denied",
    ("api:news-report-detail", "GET"):           "denied  denied  denied  ok      denied  ok      denied",
    ("api:news-report-detail", "PUT"):           "denied  denied  denied  bad     denied  denied  denied",
    ("api:news-report-detail", "PATCH"):         "denied  denied  denied  ok      denied  denied  denied",
    ("api:news-report-detail", "DELETE"):        "denied  denied  denied  ok      denied  denied  denied",
    ("api:news-report-import", "POST"):          "denied  denied  denied  bad     bad     bad     denied",
    ("api:contest-list", "GET"):                 "denied  denied  denied  ok      ok      ok      denied",
    ("api:contest-list", "POST"):                "denied  denied  denied  bad     bad     bad     denied",
    ("api:contest-detail", "GET"):               "denied  denied  denied  ok      denied  ok      denied",
    ("api:contest-detail", "PUT"):               "denied  denied  denied  bad     denied  denied  denied",
    ("api:contest-detail", "PATCH"):             "denied  denied  denied  ok      denied  denied  denied",
    ("api:contest-detail", "DELETE"):            "denied  denied  denied  ok      denied  denied  denied",
    ("api:contest-entries", "POST"):             "denied  denied  denied  ok      denied  denied  denied",
    ("api:contest-entries-import", "POST"):      "denied  denied  denied  bad     denied  denied  denied",
    # Demonstration bases and funding (issue 14 items 3 and 6): as the sites; a funding document is
    # served to those who read the association's records, to nobody else (404).
    ("api:demonstrationbase-list", "GET"):       "denied  denied  denied  ok      ok      ok      denied",
    ("api:demonstrationbase-list", "POST"):      "denied  denied  denied  bad     bad     bad     denied",
    ("api:demonstrationbase-detail", "GET"):     "denied  denied  denied  ok      denied  ok      denied",
    ("api:demonstrationbase-detail", "PUT"):     "denied  denied  denied  bad     denied  denied  denied",
    ("api:demonstrationbase-detail", "PATCH"):   "denied  denied  denied  ok      denied  denied  denied",
    ("api:demonstrationbase-detail", "DELETE"):  "denied  denied  denied  ok      denied  denied  denied",
    ("api:demonstrationbase-results", "POST"):   "denied  denied  denied  ok      denied  denied  denied",
    ("api:fundingrecord-list", "GET"):           "denied  denied  denied  ok      ok      ok      denied",
    ("api:fundingrecord-list", "POST"):          "denied  denied  denied  bad     bad     bad     denied",
    ("api:fundingrecord-detail", "GET"):         "denied  denied  denied  ok      denied  ok      denied",
    ("api:fundingrecord-detail", "PUT"):         "denied  denied  denied  bad     denied  denied  denied",
    ("api:fundingrecord-detail", "PATCH"):       "denied  denied  denied  ok      denied  denied  denied",
    ("api:fundingrecord-detail", "DELETE"):      "denied  denied  denied  ok      denied  denied  denied",
    ("api:fundingrecord-document", "GET"):       "denied  denied  denied  ok      denied  ok      denied",
    ("api:venue-list", "GET"):                   "denied  denied  denied  ok      ok      ok      denied",
    ("api:venue-list", "POST"):                  "denied  denied  denied  bad     bad     bad     denied",
    ("api:venue-detail", "GET"):                 "denied  denied  denied  ok      denied  ok      denied",
    ("api:venue-detail", "PUT"):                 "denied  denied  denied  bad     denied  denied  denied",
    ("api:venue-detail", "PATCH"):               "denied  denied  denied  ok      denied  denied  denied",
    ("api:venue-detail", "DELETE"):              "denied  denied  denied  conflict denied  denied  denied",
    ("api:campaign-list", "GET"):                "ok      ok      ok      ok      ok      ok      ok",
    ("api:campaign-list", "POST"):               "denied  denied  denied  bad     bad     bad     denied",
    ("api:campaign-detail", "GET"):              "ok      ok      ok      ok      denied  ok      ok",
    ("api:campaign-detail", "PUT"):              "denied  denied  denied  bad     denied  denied  denied",
    ("api:campaign-detail", "PATCH"):            "denied  denied  denied  ok      denied  denied  denied",
    ("api:campaign-detail", "DELETE"):           "denied  denied  denied  conflict denied  denied  denied",
    ("api:event-list", "GET"):                   "ok      ok      ok      ok      ok      ok      ok",
    ("api:event-list", "POST"):                  "denied  denied  denied  ok      bad     bad     denied",
    ("api:event-detail", "GET"):                 "ok      ok      ok      ok      denied  ok      ok",
    ("api:event-detail", "PUT"):                 "denied  denied  denied  bad     denied  denied  denied",
    ("api:event-detail", "PATCH"):               "denied  denied  denied  ok      denied  denied  denied",
    ("api:event-detail", "DELETE"):              "denied  denied  denied  conflict denied  denied  denied",
    ("api:event-cancel", "POST"):                "denied  denied  denied  ok      denied  denied  denied",
    ("api:event-outputs", "GET"):                "ok      ok      ok      ok      denied  ok      ok",
    ("api:event-outputs", "POST"):               "denied  denied  denied  bad     denied  denied  denied",
    ("api:api-root", "GET"):                     "denied  ok      ok      ok      ok      ok      ok",
    ("api:my-signups", "GET"):                   "denied  ok      ok      denied  denied  denied  denied",
    ("api:my-hours", "GET"):                     "denied  ok      ok      denied  denied  denied  denied",
    ("api:my-staff-scan", "POST"):               "denied  bad     bad     denied  denied  denied  denied",
    ("api:shift-list", "GET"):                   "ok      ok      ok      ok      ok      ok      ok",
    ("api:shift-list", "POST"):                  "denied  denied  denied  ok      bad     bad     denied",
    ("api:shift-detail", "GET"):                 "ok      ok      ok      ok      denied  ok      ok",
    ("api:shift-detail", "PUT"):                 "denied  denied  denied  bad     denied  denied  denied",
    ("api:shift-detail", "PATCH"):               "denied  denied  denied  ok      denied  denied  denied",
    ("api:shift-add", "POST"):                   "denied  denied  denied  ok      denied  denied  denied",
    ("api:shift-cancel", "POST"):                "denied  denied  bad     denied  denied  denied  denied",
    ("api:shift-signup", "POST"):                "denied  bad     ok      denied  denied  denied  denied",
    ("api:signup-list", "GET"):                  "denied  ok      ok      ok      ok      ok      ok",
    ("api:signup-detail", "GET"):                "denied  denied  ok      ok      denied  ok      denied",
    ("api:signup-attendance", "POST"):           "denied  denied  denied  ok      denied  denied  denied",
    ("api:signup-cancel", "POST"):               "denied  denied  bad     ok      denied  denied  denied",
    ("api:signup-hours", "POST"):                "denied  denied  denied  bad     denied  denied  denied",
    ("api:signup-move", "POST"):                 "denied  denied  denied  bad     denied  denied  denied",
    ("api:volunteer-list", "GET"):               "denied  ok      ok      ok      ok      ok      ok",
    ("api:volunteer-list", "POST"):              "denied  denied  denied  bad     bad     bad     denied",
    ("api:volunteer-detail", "GET"):             "denied  denied  ok      ok      denied  ok      denied",
    ("api:volunteer-detail", "PUT"):             "denied  denied  denied  bad     denied  denied  denied",
    ("api:volunteer-invitation-list", "GET"):    "denied  denied  denied  ok      ok      ok      denied",
    ("api:volunteer-invitation-detail", "GET"):  "denied  denied  denied  ok      denied  ok      denied",
    ("api:volunteer-detail", "PATCH"):           "denied  denied  denied  ok      denied  denied  denied",
    ("api:notification-preferences", "GET"):     "denied  ok      ok      ok      ok      ok      ok",
    ("api:notification-preferences", "PATCH"):   "denied  ok      ok      ok      ok      ok      ok",
    ("api:login-code", "POST"):                  "bad     bad     bad     bad     bad     bad     bad",
    ("api:login-code-verify", "POST"):           "bad     bad     bad     bad     bad     bad     bad",
    ("api:notification-list", "GET"):            "denied  denied  denied  ok      ok      ok      denied",
    ("api:notification-summary", "GET"):         "denied  denied  denied  ok      denied  ok      denied",
    ("api:notification-detail", "GET"):          "denied  denied  denied  ok      denied  ok      denied",
    ("api:notification-resend", "POST"):         "denied  denied  denied  ok      denied  denied  denied",
    ("api:inbox-list", "GET"):                   "denied  ok      ok      ok      ok      ok      ok",
    ("api:inbox-read-all", "POST"):              "denied  ok      ok      ok      ok      ok      ok",
    ("api:inbox-unread-count", "GET"):           "denied  ok      ok      ok      ok      ok      ok",
    ("api:inbox-detail", "GET"):                 "denied  denied  ok      denied  denied  denied  denied",
    ("api:inbox-read", "POST"):                  "denied  denied  ok      denied  denied  denied  denied",
    ("api:stats-year", "GET"):                   "denied  denied  denied  ok      ok      ok      denied",
    ("api:stats-period", "GET"):                 "denied  denied  denied  ok      ok      ok      denied",
    ("api:stats-event", "GET"):                  "denied  denied  denied  ok      denied  ok      denied",
    ("api:stats-campaign", "GET"):               "denied  denied  denied  ok      denied  ok      denied",
    ("api:stats-campaigns", "GET"):              "denied  denied  denied  ok      ok      ok      denied",
    ("api:stats-summary", "GET"):                "denied  denied  denied  ok      ok      ok      denied",
    ("api:stats-recompute", "POST"):             "denied  denied  denied  ok      ok      ok      denied",
    ("api:stats-today", "GET"):                  "denied  denied  denied  ok      ok      ok      denied",
    # The national statistics form of county A's year: its organizers and the prefecture's read it.
    ("api:survey-national-form", "GET"):         "denied  denied  denied  ok      denied  ok      denied",
    ("/", "GET"):                                "ok      ok      ok      ok      ok      ok      ok",
    ("/", "POST"):                               "ok      ok      ok      ok      ok      ok      ok",
    ("/", "PUT"):                                "ok      ok      ok      ok      ok      ok      ok",
    ("/", "PATCH"):                              "ok      ok      ok      ok      ok      ok      ok",
    ("/", "DELETE"):                             "ok      ok      ok      ok      ok      ok      ok",
    ("healthz", "GET"):                          "ok      ok      ok      ok      ok      ok      ok",
    ("healthz", "POST"):                         "ok      ok      ok      ok      ok      ok      ok",
    ("schema", "GET"):                           "ok      ok      ok      ok      ok      ok      ok",
    ("api-docs", "GET"):                         "ok      ok      ok      ok      ok      ok      ok",
    ("v-events", "GET"):                         "ok      ok      ok      ok      ok      ok      ok",
    ("v-events", "POST"):                        "ok      ok      ok      ok      ok      ok      ok",
    ("v-register", "GET"):                       "ok      ok      ok      ok      ok      ok      ok",
    ("v-register", "POST"):                      "ok      ok      ok      ok      ok      ok      ok",
    ("v-register-confirm", "GET"):               "ok      ok      ok      ok      ok      ok      ok",
    ("v-register-confirm", "POST"):              "ok      ok      ok      ok      ok      ok      ok",
    # The invited person's own answer, by the link's token: anyone holding the link (signed in or not).
    ("v-join", "GET"):                           "ok      ok      ok      ok      ok      ok      ok",
    ("v-join", "POST"):                          "ok      ok      ok      ok      ok      ok      ok",
    ("v-login", "GET"):                          "ok      ok      ok      ok      ok      ok      ok",
    ("v-login", "POST"):                         "ok      ok      ok      ok      ok      ok      ok",
    ("v-logout", "GET"):                         "405     405     405     405     405     405     405",
    ("v-logout", "POST"):                        "ok      ok      ok      ok      ok      ok      ok",
    ("v-event", "GET"):                          "ok      ok      ok      ok      denied  ok      ok",
    ("v-event", "POST"):                         "ok      ok      ok      ok      denied  ok      ok",
    ("v-signup", "GET"):                         "405     405     405     405     405     405     405",
    ("v-signup", "POST"):                        "denied  ok      ok      ok      ok      ok      ok",
    ("v-cancel", "GET"):                         "405     405     405     405     405     405     405",
    ("v-cancel", "POST"):                        "denied  denied  ok      ok      ok      ok      ok",
    ("v-schedule", "GET"):                       "denied  ok      ok      ok      ok      ok      ok",
    ("v-schedule", "POST"):                      "denied  ok      ok      ok      ok      ok      ok",
    ("v-hours", "GET"):                          "denied  ok      ok      ok      ok      ok      ok",
    ("v-hours", "POST"):                         "denied  ok      ok      ok      ok      ok      ok",
    ("v-certificate", "GET"):                    "denied  ok      ok      ok      ok      ok      ok",
    ("v-certificate", "POST"):                   "denied  ok      ok      ok      ok      ok      ok",
    ("v-calendar", "GET"):                       "denied  ok      ok      ok      ok      ok      ok",
    ("v-calendar", "POST"):                      "denied  ok      ok      ok      ok      ok      ok",
    ("v-ical", "GET"):                           "ok      ok      ok      ok      ok      ok      ok",
    ("v-ical", "POST"):                          "ok      ok      ok      ok      ok      ok      ok",
    ("v-staff", "GET"):                          "denied  ok      ok      denied  denied  denied  denied",
    ("v-staff", "POST"):                         "denied  ok      ok      denied  denied  denied  denied",
    ("v-org-short", "GET"):                      "denied  denied  denied  ok      ok      ok      denied",
    ("v-org-short", "POST"):                     "denied  denied  denied  ok      ok      ok      denied",
    ("v-org-roster", "GET"):                     "denied  denied  denied  ok      denied  ok      denied",
    ("v-org-roster", "POST"):                    "denied  denied  denied  ok      denied  denied  denied",
    ("v-org-roster-export", "GET"):              "denied  denied  denied  ok      denied  ok      denied",
    ("v-org-roster-export", "POST"):             "denied  denied  denied  ok      denied  denied  denied",
    ("v-org-hours-export", "GET"):               "denied  denied  denied  ok      ok      ok      denied",
    ("v-org-hours-export", "POST"):              "denied  denied  denied  ok      ok      ok      denied",
    ("v-org-import", "GET"):                     "denied  denied  denied  ok      ok      ok      denied",
    ("v-org-import", "POST"):                    "denied  denied  denied  ok      ok      ok      denied",
    ("checkin:scanner-sw", "GET"):               "ok      ok      ok      ok      ok      ok      ok",
    ("checkin:scanner-sw", "POST"):              "ok      ok      ok      ok      ok      ok      ok",
    ("checkin:scanner", "GET"):                  "denied  denied  ok      ok      denied  denied  denied",
    ("checkin:scanner", "POST"):                 "denied  denied  ok      ok      denied  denied  denied",
    ("checkin:self", "GET"):                     "ok      ok      ok      ok      ok      ok      ok",
    ("checkin:self", "POST"):                    "ok      ok      ok      ok      ok      ok      ok",
    ("checkin:tickets", "GET"):                  "denied  denied  denied  ok      denied  ok      denied",
    ("checkin:tickets", "POST"):                 "denied  denied  denied  ok      denied  ok      denied",
    ("checkin:poster", "GET"):                   "denied  denied  denied  ok      denied  ok      denied",
    ("checkin:poster", "POST"):                  "405     405     405     405     405     405     405",
    ("inbox", "GET"):                            "denied  ok      ok      ok      ok      ok      ok",
    ("inbox", "POST"):                           "denied  ok      ok      ok      ok      ok      ok",
    ("inbox-read", "GET"):                       "denied  405     405     405     405     405     405",
    ("inbox-read", "POST"):                      "denied  ok      ok      ok      ok      ok      ok",
    ("inbox-read-all", "GET"):                   "denied  405     405     405     405     405     405",
    ("inbox-read-all", "POST"):                  "denied  ok      ok      ok      ok      ok      ok",
    ("ticket", "GET"):                           "ok      ok      ok      ok      ok      ok      ok",
    ("ticket", "POST"):                          "405     405     405     405     405     405     405",
    # The organizer's desk (desk/). Volunteers and superusers (no organizer profile) are sent to /v/: "ok"
    # there is that redirect. Reading pages answer GET only; a write is refused 404/403 outside county A.
    ("desk-home", "GET"):                        "denied  ok      ok      ok      ok      ok      ok",
    ("desk-home", "POST"):                       "denied  ok      ok      405     405     405     ok",
    ("desk-login", "GET"):                       "ok      ok      ok      ok      ok      ok      ok",
    ("desk-login", "POST"):                      "ok      ok      ok      ok      ok      ok      ok",
    ("desk-logout", "GET"):                      "405     405     405     405     405     405     405",
    ("desk-logout", "POST"):                     "denied  denied  denied  denied  denied  denied  denied",
    ("desk-events", "GET"):                      "denied  ok      ok      ok      ok      ok      ok",
    ("desk-events", "POST"):                     "denied  ok      ok      405     405     405     ok",
    ("desk-events-calendar", "GET"):             "denied  ok      ok      ok      ok      ok      ok",
    ("desk-events-calendar", "POST"):            "denied  ok      ok      405     405     405     ok",
    ("desk-event-new", "GET"):                   "denied  ok      ok      ok      ok      ok      ok",
    ("desk-event-new", "POST"):                  "denied  ok      ok      ok      ok      ok      ok",
    ("desk-event", "GET"):                       "denied  ok      ok      ok      denied  ok      ok",
    ("desk-event", "POST"):                      "denied  ok      ok      405     405     405     ok",
    ("desk-event-edit", "GET"):                  "denied  ok      ok      ok      denied  denied  ok",
    ("desk-event-edit", "POST"):                 "denied  ok      ok      ok      denied  denied  ok",
    ("desk-event-copy", "GET"):                  "denied  ok      ok      ok      denied  denied  ok",
    ("desk-event-copy", "POST"):                 "denied  ok      ok      ok      denied  denied  ok",
    ("desk-event-cancel", "GET"):                "denied  ok      ok      ok      denied  denied  ok",
    ("desk-event-cancel", "POST"):               "denied  ok      ok      ok      denied  denied  ok",
    ("desk-campaign-new", "GET"):                "denied  ok      ok      ok      ok      ok      ok",
    ("desk-campaign-new", "POST"):               "denied  ok      ok      ok      ok      ok      ok",
    ("desk-campaign-edit", "GET"):               "denied  ok      ok      ok      denied  denied  ok",
    ("desk-campaign-edit", "POST"):              "denied  ok      ok      ok      denied  denied  ok",
    ("dashboard", "GET"):                        "denied  denied  denied  ok      ok      ok      denied",
    ("dashboard", "POST"):                       "denied  denied  denied  ok      ok      ok      denied",
    ("dashboard-figure", "GET"):                 "denied  denied  denied  ok      ok      ok      denied",
    ("dashboard-figure", "POST"):                "denied  denied  denied  ok      ok      ok      denied",
    ("dashboard-event", "GET"):                  "denied  denied  denied  ok      denied  ok      denied",
    ("dashboard-event", "POST"):                 "denied  denied  denied  ok      denied  ok      denied",
    # Each organizer's own association's summary file: the route names no record of another's.
    ("dashboard-summary", "GET"):                "denied  denied  denied  ok      ok      ok      denied",
    ("dashboard-summary", "POST"):               "denied  denied  denied  ok      ok      ok      denied",
    # The desk's pages (desk/views/common.organizer_required): volunteers and superusers (no organizer profile)
    # are sent to their own pages (/v/), a redirect counted "ok"; they reach no record. Writes are POST only.
    ("desk-event-after", "GET"):                 "denied  ok      ok      ok      denied  ok      ok",
    ("desk-event-after", "POST"):                "denied  ok      ok      405     405     405     ok",
    ("desk-event-paper", "GET"):                 "denied  ok      ok      405     405     405     ok",
    ("desk-event-paper", "POST"):                "denied  ok      ok      bad     denied  denied  ok",
    ("desk-event-headcount", "GET"):             "denied  ok      ok      405     405     405     ok",
    ("desk-event-headcount", "POST"):            "denied  ok      ok      bad     denied  denied  ok",
    ("desk-event-outputs", "GET"):               "denied  ok      ok      405     405     405     ok",
    ("desk-event-outputs", "POST"):              "denied  ok      ok      bad     denied  denied  ok",
    ("desk-event-output", "GET"):                "denied  ok      ok      405     405     405     ok",
    ("desk-event-output", "POST"):               "denied  ok      ok      bad     denied  denied  ok",
    ("desk-event-evidence", "GET"):              "denied  ok      ok      405     405     405     ok",
    ("desk-event-evidence", "POST"):             "denied  ok      ok      bad     denied  denied  ok",
    ("desk-evidence-delete", "GET"):             "denied  ok      ok      405     405     405     ok",
    ("desk-evidence-delete", "POST"):            "denied  ok      ok      ok      denied  denied  ok",
    # Evidence files are never public: only organizers who read the event get them; anyone else a 404.
    ("desk-evidence-file", "GET"):               "denied  denied  denied  ok      denied  ok      denied",
    ("desk-evidence-file", "POST"):              "405     405     405     405     405     405     405",
    ("desk-evidence-thumbnail", "GET"):          "denied  denied  denied  ok      denied  ok      denied",
    ("desk-evidence-thumbnail", "POST"):         "405     405     405     405     405     405     405",
    ("desk-event-staffing", "GET"):              "denied  ok      ok      ok      denied  ok      ok",
    ("desk-event-staffing", "POST"):             "denied  ok      ok      405     405     405     ok",
    # Personal data on request (desk/views/privacy.py): volunteers, and a superuser with no organizer profile,
    # are sent to the volunteers' pages (a redirect, no data);
    # the body names county A's idle volunteer, whom only county A's organizer finds, exports and deletes.
    ("desk-privacy", "GET"):                     "denied  ok      ok      ok      ok      ok      ok",
    ("desk-privacy", "POST"):                    "denied  ok      ok      ok      ok      ok      ok",
    ("desk-privacy-export", "GET"):              "denied  ok      ok      405     405     405     ok",
    ("desk-privacy-export", "POST"):             "denied  ok      ok      ok      denied  denied  ok",
    ("desk-privacy-delete", "GET"):              "denied  ok      ok      405     405     405     ok",
    ("desk-privacy-delete", "POST"):             "denied  ok      ok      ok      denied  denied  ok",
    # The desk's event workspace: registrations and live attendance (desk/views/registrations.py, attendance.py).
    # Volunteers and superusers (no organizer profile) are sent to their own pages (/v/), a redirect counted "ok";
    # they reach no record.
    ("desk-event-registrations", "GET"):         "denied  ok      ok      ok      denied  ok      ok",
    ("desk-event-registrations", "POST"):        "denied  ok      ok      ok      denied  denied  ok",
    ("desk-event-registrations-import", "GET"):  "denied  ok      ok      ok      denied  denied  ok",
    ("desk-event-registrations-import", "POST"): "denied  ok      ok      ok      denied  denied  ok",
    ("desk-registration-revoke", "GET"):         "denied  ok      ok      ok      denied  denied  ok",
    ("desk-registration-revoke", "POST"):        "denied  ok      ok      ok      denied  denied  ok",
    ("desk-event-poster-code-rotate", "GET"):    "denied  ok      ok      405     405     405     ok",
    ("desk-event-poster-code-rotate", "POST"):   "denied  ok      ok      ok      denied  denied  ok",
    ("desk-event-live", "GET"):                  "denied  ok      ok      ok      denied  ok      ok",
    ("desk-event-live", "POST"):                 "denied  ok      ok      405     405     405     ok",
    ("desk-event-live-counts", "GET"):           "denied  ok      ok      ok      denied  ok      ok",
    ("desk-event-live-counts", "POST"):          "denied  ok      ok      405     405     405     ok",
    ("desk-checkin-review", "GET"):              "denied  ok      ok      405     405     405     ok",
    ("desk-checkin-review", "POST"):             "denied  ok      ok      ok      denied  denied  ok",
    # The national form (survey/): the page shows the sender's own association's form; the workbook is
    # county A's, which its organizers and the prefecture's read. Both read only (GET).
    ("desk-national-form", "GET"):               "denied  ok      ok      ok      ok      ok      ok",
    ("desk-national-form", "POST"):              "denied  ok      ok      405     405     405     ok",
    ("desk-national-form-file", "GET"):          "denied  ok      ok      ok      denied  ok      ok",
    ("desk-national-form-file", "POST"):         "denied  ok      ok      405     405     405     ok",
    # The association's registers on the desk (desk/views/registers.py): lists and forms read by the organizers
    # who read county A (the other county lists nothing of it), written by county A's alone; a new record or an
    # import goes into the sender's own association. Volunteers and superusers are sent to their own pages.
    ("desk-registers", "GET"):                   "denied  ok      ok      ok      ok      ok      ok",
    ("desk-registers", "POST"):                  "denied  ok      ok      405     405     405     ok",
    ("desk-organizations", "GET"):               "denied  ok      ok      ok      ok      ok      ok",
    ("desk-organizations", "POST"):              "denied  ok      ok      405     405     405     ok",
    ("desk-organization-new", "GET"):            "denied  ok      ok      ok      ok      ok      ok",
    ("desk-organization-new", "POST"):           "denied  ok      ok      ok      ok      ok      ok",
    ("desk-organization", "GET"):                "denied  ok      ok      ok      denied  ok      ok",
    ("desk-organization", "POST"):               "denied  ok      ok      ok      denied  denied  ok",
    ("desk-organization-delete", "GET"):         "denied  ok      ok      405     405     405     ok",
    ("desk-organization-delete", "POST"):        "denied  ok      ok      ok      denied  denied  ok",
    ("desk-organization-members", "GET"):        "denied  ok      ok      405     405     405     ok",
    ("desk-organization-members", "POST"):       "denied  ok      ok      ok      denied  denied  ok",
    ("desk-organization-supports", "GET"):       "denied  ok      ok      405     405     405     ok",
    ("desk-organization-supports", "POST"):      "denied  ok      ok      ok      denied  denied  ok",
    ("desk-sites", "GET"):                       "denied  ok      ok      ok      ok      ok      ok",
    ("desk-sites", "POST"):                      "denied  ok      ok      405     405     405     ok",
    ("desk-site-new", "GET"):                    "denied  ok      ok      ok      ok      ok      ok",
    ("desk-site-new", "POST"):                   "denied  ok      ok      ok      ok      ok      ok",
    ("desk-site", "GET"):                        "denied  ok      ok      ok      denied  ok      ok",
    ("desk-site", "POST"):                       "denied  ok      ok      ok      denied  denied  ok",
    ("desk-site-delete", "GET"):                 "denied  ok      ok      405     405     405     ok",
    ("desk-site-delete", "POST"):                "denied  ok      ok      ok      denied  denied  ok",
    ("desk-site-repairs", "GET"):                "denied  ok      ok      405     405     405     ok",
    ("desk-site-repairs", "POST"):               "denied  ok      ok      ok      denied  denied  ok",
    ("desk-site-books", "GET"):                  "denied  ok      ok      405     405     405     ok",
    ("desk-site-books", "POST"):                 "denied  ok      ok      ok      denied  denied  ok",
    ("desk-bases", "GET"):                       "denied  ok      ok      ok      ok      ok      ok",
    ("desk-bases", "POST"):                      "denied  ok      ok      405     405     405     ok",
    ("desk-base-new", "GET"):                    "denied  ok      ok      ok      ok      ok      ok",
    ("desk-base-new", "POST"):                   "denied  ok      ok      ok      ok      ok      ok",
    ("desk-base", "GET"):                        "denied  ok      ok      ok      denied  ok      ok",
    ("desk-base", "POST"):                       "denied  ok      ok      ok      denied  denied  ok",
    ("desk-base-delete", "GET"):                 "denied  ok      ok      405     405     405     ok",
    ("desk-base-delete", "POST"):                "denied  ok      ok      ok      denied  denied  ok",
    ("desk-base-results", "GET"):                "denied  ok      ok      405     405     405     ok",
    ("desk-base-results", "POST"):               "denied  ok      ok      ok      denied  denied  ok",
    ("desk-media-columns", "GET"):               "denied  ok      ok      ok      ok      ok      ok",
    ("desk-media-columns", "POST"):              "denied  ok      ok      405     405     405     ok",
    ("desk-media-column-new", "GET"):            "denied  ok      ok      ok      ok      ok      ok",
    ("desk-media-column-new", "POST"):           "denied  ok      ok      ok      ok      ok      ok",
    ("desk-media-column", "GET"):                "denied  ok      ok      ok      denied  ok      ok",
    ("desk-media-column", "POST"):               "denied  ok      ok      ok      denied  denied  ok",
    ("desk-media-column-delete", "GET"):         "denied  ok      ok      405     405     405     ok",
    ("desk-media-column-delete", "POST"):        "denied  ok      ok      ok      denied  denied  ok",
    ("desk-media-column-episodes", "GET"):       "denied  ok      ok      405     405     405     ok",
    ("desk-media-column-episodes", "POST"):      "denied  ok      ok      ok      denied  denied  ok",
    ("desk-news-reports", "GET"):                "denied  ok      ok      ok      ok      ok      ok",
    ("desk-news-reports", "POST"):               "denied  ok      ok      405     405     405     ok",
    ("desk-news-report-new", "GET"):             "denied  ok      ok      ok      ok      ok      ok",
    ("desk-news-report-new", "POST"):            "denied  ok      ok      ok      ok      ok      ok",
    ("desk-news-report", "GET"):                 "denied  ok      ok      ok      denied  ok      ok",
    ("desk-news-report", "POST"):                "denied  ok      ok      ok      denied  denied  ok",
    ("desk-news-report-delete", "GET"):          "denied  ok      ok      405     405     405     ok",
    ("desk-news-report-delete", "POST"):         "denied  ok      ok      ok      denied  denied  ok",
    ("desk-contests", "GET"):                    "denied  ok      ok      ok      ok      ok      ok",
    ("desk-contests", "POST"):                   "denied  ok      ok      405     405     405     ok",
    ("desk-contest-new", "GET"):                 "denied  ok      ok      ok      ok      ok      ok",
    ("desk-contest-new", "POST"):                "denied  ok      ok      ok      ok      ok      ok",
    ("desk-contest", "GET"):                     "denied  ok      ok      ok      denied  ok      ok",
    ("desk-contest", "POST"):                    "denied  ok      ok      ok      denied  denied  ok",
    ("desk-contest-delete", "GET"):              "denied  ok      ok      405     405     405     ok",
    ("desk-contest-delete", "POST"):             "denied  ok      ok      ok      denied  denied  ok",
    ("desk-contest-entries", "GET"):             "denied  ok      ok      405     405     405     ok",
    ("desk-contest-entries", "POST"):            "denied  ok      ok      ok      denied  denied  ok",
    ("desk-funding", "GET"):                     "denied  ok      ok      ok      ok      ok      ok",
    ("desk-funding", "POST"):                    "denied  ok      ok      405     405     405     ok",
    ("desk-funding-record-new", "GET"):          "denied  ok      ok      ok      ok      ok      ok",
    ("desk-funding-record-new", "POST"):         "denied  ok      ok      ok      ok      ok      ok",
    ("desk-funding-record", "GET"):              "denied  ok      ok      ok      denied  ok      ok",
    ("desk-funding-record", "POST"):             "denied  ok      ok      ok      denied  denied  ok",
    ("desk-funding-record-delete", "GET"):       "denied  ok      ok      405     405     405     ok",
    ("desk-funding-record-delete", "POST"):      "denied  ok      ok      ok      denied  denied  ok",
    ("desk-sites-import", "GET"):                "denied  ok      ok      ok      ok      ok      ok",
    ("desk-sites-import", "POST"):               "denied  ok      ok      ok      ok      ok      ok",
    ("desk-contest-entries-import", "GET"):      "denied  ok      ok      ok      denied  denied  ok",
    ("desk-contest-entries-import", "POST"):     "denied  ok      ok      ok      denied  denied  ok",
    # Reporting up (reporting, docs/reporting.md): county A's organizer submits its year (the body names
    # county A: the other county is refused 404, the prefecture 403); the prefecture it was submitted to
    # accepts or returns it, and county A may not review its own (403). The roll-up is the sender's own.
    ("api:submission-list", "GET"):              "denied  denied  denied  ok      ok      ok      denied",
    ("api:submission-list", "POST"):             "denied  denied  denied  ok      denied  denied  denied",
    ("api:submission-detail", "GET"):            "denied  denied  denied  ok      denied  ok      denied",
    ("api:submission-accept", "POST"):           "denied  denied  denied  denied  denied  ok      denied",
    ("api:submission-return", "POST"):           "denied  denied  denied  denied  denied  ok      denied",
    ("api:reporting-rollup", "GET"):             "denied  denied  denied  ok      ok      ok      denied",
    ("desk-reporting", "GET"):                   "denied  ok      ok      ok      ok      ok      ok",
    ("desk-reporting", "POST"):                  "denied  ok      ok      405     405     405     ok",
    ("desk-reporting-submit", "GET"):            "denied  ok      ok      405     405     405     ok",
    ("desk-reporting-submit", "POST"):           "denied  ok      ok      ok      denied  denied  ok",
    # The summary written from the roll-up: an association with associations below it (the prefecture) only.
    ("desk-reporting-summary", "GET"):           "denied  ok      ok      denied  denied  ok      ok",
    ("desk-reporting-summary", "POST"):          "denied  ok      ok      405     405     405     ok",
    ("desk-submission", "GET"):                  "denied  ok      ok      ok      denied  ok      ok",
    ("desk-submission", "POST"):                 "denied  ok      ok      405     405     405     ok",
    ("desk-submission-review", "GET"):           "denied  ok      ok      405     405     405     ok",
    ("desk-submission-review", "POST"):          "denied  ok      ok      denied  denied  ok      ok",
    ("desk-submission-file", "GET"):             "denied  ok      ok      ok      denied  ok      ok",
    ("desk-submission-file", "POST"):            "denied  ok      ok      405     405     405     ok",
}
# fmt: on


# --- the routes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "api:event-detail"; the path for an unnamed route ("/")
    path_names: tuple[str, ...]  # the URL's keyword arguments
    methods: tuple[str, ...]


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield prefix + str(pattern.pattern), namespace, pattern


def _methods(callback) -> tuple[str, ...]:
    if actions := getattr(callback, "actions", None):  # a DRF viewset route: its method → action map
        return tuple(m for m in METHODS if m in actions)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return tuple(m for m in METHODS if hasattr(view_class, m))
    return ("get", "post")  # a function view takes any method; a decorator may answer 405


def routes() -> dict[str, Route]:
    """The routes of kepu.urls by name (the path for an unnamed one), in the resolver's order."""
    found: dict[str, Route] = {}
    for path, namespace, pattern in _walk(get_resolver().url_patterns):
        if path.startswith(EXCLUDED_PREFIXES) or "format" in pattern.pattern.regex.groupindex:
            continue
        name = namespace + pattern.name if pattern.name else "/" + path
        # Two routers each add an API root: the same view twice.
        found.setdefault(name, Route(name, tuple(pattern.pattern.regex.groupindex), _methods(pattern.callback)))
    return found


# --- what each request carries --------------------------------------------------------------------

# Which of county A's records a route's `pk` names, by the start of the route's name.
PK_TARGETS = {
    "api:registration": "registration",
    "api:checkin-annul": "checkin",
    "api:checkin-review": "checkin",
    "api:organization": "organization",
    "api:site": "site",
    "api:media-column": "media_column",
    "api:news-report": "news_report",
    "api:contest": "contest",
    "api:demonstrationbase": "base",
    "api:fundingrecord": "funding",
    "api:venue": "venue",
    "api:campaign": "campaign",
    "api:event": "event",
    "api:shift": "shift",
    "api:signup": "signup",
    "api:volunteer-invitation": "invitation",
    "api:volunteer": "volunteer",
    "api:notification": "notification",
    "api:inbox": "inbox_message",
    "api:submission": "submission",
    "desk-submission": "submission",
    "desk-registration": "registration",
    "desk-checkin": "checkin",
    "desk-organization": "organization",
    "desk-site": "site",
    "desk-base": "base",
    "desk-media-column": "media_column",
    "desk-news-report": "news_report",
    "desk-contest": "contest",
    "desk-funding-record": "funding",
}


def url_of(route: Route, world) -> str:
    a = world.a
    if route.name.startswith("/"):
        return route.name
    values = {
        "event_id": a.event.id,
        "campaign_id": a.campaign.id,
        "year": a.event.starts_at.year,
        "association_id": a.association.id,
        "figure": "events_held",
        "token": a.invitation_token if route.name == "v-join" else a.volunteer.calendar_token,
        "fmt": "csv",
        "shift_id": a.shift.id,
        "signup_id": a.signup.id,
        "notification_id": a.inbox_message.id,
        "headcount_id": a.headcount.id,
        "output_id": a.extra["output"].id,
        "evidence_id": a.extra["evidence"].id,
        "code": {"checkin:self": a.poster.code, "ticket": a.registration.code, "v-staff": a.staff_code.code}.get(
            route.name
        ),
    }
    if "pk" in route.path_names:
        if route.name.startswith("api:region"):
            values["pk"] = a.association.region_id
        else:
            target = next(t for prefix, t in PK_TARGETS.items() if route.name.startswith(prefix))
            values["pk"] = (getattr(a, target) if hasattr(a, target) else a.extra[target]).pk
    return reverse(route.name, kwargs={name: values[name] for name in route.path_names}) + QUERIES.get(
        route.name, lambda w: ""
    )(world)


QUERIES = {
    "api:notification-summary": lambda w: f"?event={w.a.event.id}",
    "api:checkin-search": lambda w: f"?event={w.a.event.id}&q=群众",
    "api:stats-period": lambda w: f"?start={timezone.localdate().replace(month=1, day=1)}&end={timezone.localdate()}",
}


def _now(world, minutes: int = 0) -> str:
    return (world.a.event.starts_at + timedelta(minutes=minutes)).isoformat()


# Bodies for writes whose outcome depends on what they link to; other writes are sent empty.
BODIES = {
    ("api:checkin-scan", "post"): lambda w: {
        "code": w.a.registration.code,
        "event": w.a.event.id,
        "client_id": str(uuid.uuid4()),
    },
    ("api:checkin-batch", "post"): lambda w: {
        "scans": [
            {
                "code": w.a.registration.code,
                "event": w.a.event.id,
                "client_id": str(uuid.uuid4()),
                "scanned_at": _now(w, 5),
            }
        ]
    },
    ("api:event-registrations", "post"): lambda w: {"name": "赵六"},
    ("api:event-paper-checkins", "post"): lambda w: {"entries": [{"name": "钱七"}]},
    ("api:event-headcounts", "post"): lambda w: {"count": 12, "counted_at": _now(w, 20)},
    ("api:event-list", "post"): lambda w: {
        "title": "新讲座",
        "kind": "lecture",
        "venue": w.a.venue.id,
        "starts_at": _now(w, 60),
        "ends_at": _now(w, 120),
    },
    ("api:event-detail", "patch"): lambda w: {"partners": [w.a.organization.id]},
    ("api:shift-list", "post"): lambda w: {
        "event": w.a.event.id,
        "role": "guide",
        "starts_at": _now(w),
        "ends_at": _now(w, 60),
        "capacity": 3,
    },
    ("api:shift-add", "post"): lambda w: {"volunteer": w.a.idle_volunteer.id},
    ("api:signup-attendance", "post"): lambda w: {"attended": False},
    ("api:volunteer-detail", "patch"): lambda w: {"organizations": [w.a.organization.id]},
    ("api:campaign-detail", "patch"): lambda w: {"lead_organization": w.a.organization.id},
    ("api:organization-memberships", "post"): lambda w: {"year": timezone.localdate().year, "members": 30},
    ("api:organization-supports", "post"): lambda w: {"kind": "charter", "date": str(timezone.localdate())},
    ("api:site-repairs", "post"): lambda w: {"repaired_on": str(timezone.localdate())},
    ("api:site-books", "post"): lambda w: {"year": timezone.localdate().year, "books": 800},
    ("api:media-column-episodes", "post"): lambda w: {
        "aired_on": str(timezone.localdate()),
        "title": "科普",
        "minutes": 15,
    },
    ("api:contest-entries", "post"): lambda w: {"entrant": "张三", "school": "县一中", "title": "节水装置"},
    ("api:demonstrationbase-results", "post"): lambda w: {
        "year": timezone.localdate().year,
        "varieties": 2,
        "techniques": 3,
        "households": 150,
    },
    ("v-org-roster", "post"): lambda w: {"action": "no_show", "signup": w.a.signup.id},
    ("api:submission-list", "post"): lambda w: {"association": w.a.association.id, "year": w.a.event.starts_at.year},
    ("api:submission-return", "post"): lambda w: {"comment": "请补充培训班的签到表"},
    ("desk-reporting-submit", "post"): lambda w: {"association": w.a.association.id, "year": w.a.event.starts_at.year},
    ("desk-submission-review", "post"): lambda w: {"action": "accept"},
    ("desk-privacy", "post"): lambda w: {"phone": w.a.idle_volunteer.phone},
    ("desk-privacy-export", "post"): lambda w: {"phone": w.a.idle_volunteer.phone},
    ("desk-privacy-delete", "post"): lambda w: {"phone": w.a.idle_volunteer.phone, "confirm": "on"},
}


def user_of(role: str, world):
    return {
        "anonymous": None,
        "volunteer": world.a.idle_volunteer.user,
        "on_duty": world.a.volunteer.user,
        "own": world.a.organizer,
        "other": world.b.organizer,
        "prefecture": world.prefecture_organizer,
        "superuser": world.superuser,
    }[role]


def outcome_of(response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308) and "login" in response.get("Location", ""):
        return "denied"
    if 200 <= status < 400:
        return "ok"
    if status in (401, 403, 404):
        return "denied"
    return {400: "bad", 405: "405", 409: "conflict", 415: "bad"}.get(status, str(status))


def observe(world, role: str) -> dict[tuple[str, str], str]:
    """Every route and method, sent by `role`, each in a savepoint rolled back after it."""
    return observe_as(world, user_of(role, world))


def observe_as(world, user) -> dict[tuple[str, str], str]:
    """Every route and method, sent by `user` (None: nobody signed in); also the scoped roles' table's
    (test_permission_matrix_scoped.py)."""
    cache.clear()  # throttles and rate limits start afresh for each role
    client = Client()
    if user is not None:
        client.force_login(user)
    seen = {}
    for route in routes().values():
        url = url_of(route, world)
        for method in route.methods:
            body = BODIES.get((route.name, method), lambda w: {})(world)
            cookies = client.cookies.copy()
            with transaction.atomic():
                if method == "get":
                    response = client.get(url)
                elif route.name.startswith("api:"):
                    response = getattr(client, method)(url, body, content_type="application/json")
                else:  # a page's form
                    response = getattr(client, method)(url, body)
                transaction.set_rollback(True)
            client.cookies = cookies  # a logout in one request does not sign the role out of the next
            seen[(route.name, method.upper())] = outcome_of(response)
    return seen


# --- the tests -----------------------------------------------------------------------------------


def test_every_route_and_method_has_a_row_and_every_row_a_route():
    enumerated = {(r.name, m.upper()) for r in routes().values() for m in r.methods}
    missing = sorted(enumerated - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - enumerated)
    assert not missing, f"routes without a row in EXPECTED: {missing}"
    assert not stale, f"rows in EXPECTED for routes that no longer exist: {stale}"
    assert all(len(row.split()) == len(ROLES) for row in EXPECTED.values())


@pytest.mark.parametrize("role", ROLES)
def test_the_role_gets_what_the_matrix_says(world, role):
    column = ROLES.index(role)
    expected = {key: row.split() for key, row in EXPECTED.items()}
    seen = observe(world, role)
    mismatches = [
        f"{name} {method}: expected {expected[(name, method)][column]}, got {outcome}"
        for (name, method), outcome in sorted(seen.items())
        if (name, method) in expected and expected[(name, method)][column] != outcome
    ]
    assert not mismatches, f"{role}: {len(mismatches)} mismatches\n" + "\n".join(mismatches)


def test_no_one_outside_county_a_writes_into_it():
    """The table itself keeps the rule: no unsafe method is "ok" for the other county or the prefecture."""
    for (name, method), row in EXPECTED.items():
        if method == "GET" or name in OWN_RECORD_ROUTES or name in PAGES_THAT_ONLY_READ:
            continue
        for role in ("other", "prefecture"):
            if role == "prefecture" and name in REVIEWED_FROM_ABOVE:
                continue
            assert row.split()[ROLES.index(role)] != "ok", f"{name} {method} lets {role} write into county A"


# Writes about the sender's own records (their login, inbox, preferences…), not county A's.
OWN_RECORD_ROUTES = {
    "api:api-token",
    "api:login-code",
    "api:login-code-verify",
    "api:inbox-read-all",
    "api:notification-preferences",
    "api:stats-recompute",  # recomputes the sender's own association's figures
    "dashboard-summary",  # the sender's own association's summary file
    "/",
    "v-login",
    "v-logout",
    "v-register",
    "v-register-confirm",  # the sender's own pending registration (in their session)
    "v-join",  # the invited person's own answer (the link's token is the permission)
    "v-events",
    "inbox",
    "inbox-read",
    "inbox-read-all",
    "v-signup",  # a volunteer's own sign-up: organizers are sent back to the event list
    "v-cancel",
    "v-org-import",  # imports into the sender's own association
    "checkin:self",  # anyone may check themselves in from the poster
    "v-staff",  # a volunteer's own shift check-in
    "desk-login",  # the sender's own sign-in
    "desk-logout",
    "desk-event-new",  # plans in the sender's own association
    "desk-campaign-new",
    # The registers: a new record, and the sites' import, go into the sender's own association.
    "desk-organization-new",
    "desk-site-new",
    "desk-base-new",
    "desk-media-column-new",
    "desk-news-report-new",
    "desk-contest-new",
    "desk-funding-record-new",
    "desk-sites-import",
}

# The parent's own act on what a county handed it: accepting or returning county A's submission changes no
# record of county A's, only the review of a submission made to the prefecture (reporting).
REVIEWED_FROM_ABOVE = {"api:submission-accept", "api:submission-return", "desk-submission-review"}

# Function views that read whatever the method: a POST changes nothing.
PAGES_THAT_ONLY_READ = {
    "healthz",
    "v-event",
    "v-schedule",
    "v-hours",
    "v-certificate",
    "v-calendar",
    "v-ical",
    "v-org-short",
    "v-org-hours-export",
    "checkin:scanner-sw",
    "checkin:tickets",
    "checkin:poster",
    "dashboard",
    "dashboard-figure",
    "dashboard-event",
    "desk-privacy",  # finds a person within the sender's own association (POST: the phone stays out of logs)
}


# --- admin actions --------------------------------------------------------------------------------

# (model label, action) → whether each role may run it on county A's row. "delete_selected" is Django's
# own: allowed where the user has the delete permission on the row.
# fmt: off
ADMIN_ACTIONS = {
    # (model, action):                                        anon   vol    duty   own    other  pref   super
    ("auth.group", "delete_selected"):                         (False, False, False, False, False, False, True),
    ("auth.user", "delete_selected"):                          (False, False, False, False, False, False, True),
    ("authtoken.tokenproxy", "delete_selected"):               (False, False, False, False, False, False, False),
    ("checkin.attendee", "delete_selected"):                   (False, False, False, False, False, False, True),
    ("checkin.checkin", "delete_selected"):                    (False, False, False, False, False, False, True),
    ("checkin.headcount", "delete_selected"):                  (False, False, False, False, False, False, True),
    ("checkin.postercode", "delete_selected"):                 (False, False, False, False, False, False, True),
    ("checkin.registration", "delete_selected"):               (False, False, False, False, False, False, True),
    ("checkin.registration", "revoke"):                        (False, False, False, True,  False, False, True),
    ("checkin.scanlog", "delete_selected"):                    (False, False, False, False, False, False, True),
    ("django_celery_beat.clockedschedule", "delete_selected"): (False, False, False, False, False, False, True),
    ("django_celery_beat.crontabschedule", "delete_selected"): (False, False, False, False, False, False, True),
    ("django_celery_beat.intervalschedule", "delete_selected"): (False, False, False, False, False, False, True),
    ("django_celery_beat.periodictask", "delete_selected"):    (False, False, False, False, False, False, True),
    ("django_celery_beat.periodictask", "disable_tasks"):      (False, False, False, False, False, False, True),
    ("django_celery_beat.periodictask", "enable_tasks"):       (False, False, False, False, False, False, True),
    ("django_celery_beat.periodictask", "run_tasks"):          (False, False, False, False, False, False, True),
    ("django_celery_beat.periodictask", "toggle_tasks"):       (False, False, False, False, False, False, True),
    ("django_celery_beat.solarschedule", "delete_selected"):   (False, False, False, False, False, False, True),
    ("events.association", "delete_selected"):                 (False, False, False, False, False, False, True),
    ("events.campaign", "delete_selected"):                    (False, False, False, True,  False, False, True),
    ("events.countyenrolment", "delete_selected"):             (False, False, False, True,  True,  True,  True),
    ("events.event", "cancel_events"):                         (False, False, False, True,  False, False, True),
    ("events.event", "delete_selected"):                       (False, False, False, True,  False, False, True),
    # Evidence is uploaded and deleted on the desk; the admin shows it, and only superusers delete there.
    ("events.eventevidence", "delete_selected"):               (False, False, False, False, False, False, True),
    ("events.organization", "delete_selected"):                (False, False, False, True,  False, False, True),
    # An association's organizers make and delete its township and partner accounts (tests/kepu/test_scopes.py).
    ("events.organizer", "delete_selected"):                   (False, False, False, True,  True,  True,  True),
    ("events.region", "delete_selected"):                      (False, False, False, False, False, False, True),
    ("events.venue", "delete_selected"):                       (False, False, False, True,  False, False, True),
    ("notifications.notification", "delete_selected"):         (False, False, False, False, False, False, False),
    ("outreach.site", "delete_selected"):                      (False, False, False, True,  False, False, True),
    ("outreach.mediacolumn", "delete_selected"):               (False, False, False, True,  False, False, True),
    ("outreach.newsreport", "delete_selected"):                (False, False, False, True,  False, False, True),
    ("outreach.contest", "delete_selected"):                   (False, False, False, True,  False, False, True),
    ("outreach.demonstrationbase", "delete_selected"):         (False, False, False, True,  False, False, True),
    ("outreach.fundingrecord", "delete_selected"):             (False, False, False, True,  False, False, True),
    ("notifications.notification", "resend"):                  (False, False, False, True,  False, False, True),
    # Submissions are frozen: nobody deletes one, not even a superuser (reporting/admin.py).
    ("reporting.submission", "delete_selected"):               (False, False, False, False, False, False, False),
    ("stats.annualfigure", "delete_selected"):                 (False, False, False, True,  True,  True,  True),
    ("stats.campaigntarget", "delete_selected"):               (False, False, False, True,  True,  True,  True),
    ("stats.summarytemplate", "delete_selected"):              (False, False, False, True,  True,  True,  True),
    ("stats.tally", "delete_selected"):                        (False, False, False, False, False, False, True),
    ("stats.tallymarker", "delete_selected"):                  (False, False, False, False, False, False, True),
    # The mapping of events onto the national survey's rows: one table for the installation, superusers'.
    ("survey.activityrule", "delete_selected"):                (False, False, False, False, False, False, True),
    ("volunteers.shift", "delete_selected"):                   (False, False, False, False, False, False, True),
    ("volunteers.signup", "delete_selected"):                  (False, False, False, False, False, False, True),
    ("volunteers.signup", "mark_attended"):                    (False, False, False, True,  False, False, True),
    ("volunteers.signup", "mark_no_show"):                     (False, False, False, True,  False, False, True),
    ("volunteers.signup", "remove"):                           (False, False, False, True,  False, False, True),
    ("volunteers.skill", "delete_selected"):                   (False, False, False, False, False, False, True),
    ("volunteers.volunteer", "delete_selected"):               (False, False, False, False, False, False, True),
    ("checkin.checkin", "accept"):                             (False, False, False, True,  False, False, True),
    ("checkin.checkin", "reject"):                             (False, False, False, True,  False, False, True),
    # The sign-in log: organizers read their association's part; only superusers delete (lift a lockout).
    ("axes.accessattempt", "cleanup_expired_attempts"):        (False, False, False, False, False, False, True),
    ("axes.accessattempt", "delete_selected"):                 (False, False, False, False, False, False, True),
    ("axes.accessfailurelog", "delete_selected"):              (False, False, False, False, False, False, True),
    ("axes.accesslog", "delete_selected"):                     (False, False, False, False, False, False, True),
}
# fmt: on

# The county A record each admin's action is tried on.
ADMIN_TARGETS = {
    "events.event": lambda w: w.a.event,
    "events.campaign": lambda w: w.a.campaign,
    "events.venue": lambda w: w.a.venue,
    "events.organization": lambda w: w.a.organization,
    "volunteers.signup": lambda w: w.a.signup,
    "volunteers.shift": lambda w: w.a.shift,
    "volunteers.volunteer": lambda w: w.a.idle_volunteer,
    "checkin.registration": lambda w: w.a.registration,
    "checkin.checkin": lambda w: w.a.checkin,
    "checkin.headcount": lambda w: w.a.headcount,
    "checkin.postercode": lambda w: w.a.poster,
    "notifications.notification": lambda w: w.a.notification,
    "outreach.site": lambda w: w.a.extra["site"],
    "outreach.mediacolumn": lambda w: w.a.extra["media_column"],
    "outreach.newsreport": lambda w: w.a.extra["news_report"],
    "outreach.contest": lambda w: w.a.extra["contest"],
    "outreach.demonstrationbase": lambda w: w.a.extra["base"],
    "outreach.fundingrecord": lambda w: w.a.extra["funding"],
}


def _held_for_review(world):
    """County A's check-in, held for an organizer's review (what the review actions act on)."""
    checkin = world.a.checkin
    type(checkin).objects.filter(pk=checkin.pk).update(awaiting_review=True, flag_reasons="no_location")
    return checkin


# Actions that change only a row in a certain state are tried on such a row.
ADMIN_ACTION_TARGETS = {
    ("checkin.checkin", "accept"): _held_for_review,
    ("checkin.checkin", "reject"): _held_for_review,
}


def admin_actions() -> set[tuple[str, str]]:
    return {
        (model._meta.label_lower, name)
        for model, model_admin in admin.site._registry.items()
        for _func, name, _description in model_admin._get_base_actions()
    }


def _admin_allows(world, role: str, label: str, action: str) -> bool:
    """Whether running `action` from the admin's changelist changes county A's row (for delete_selected:
    whether the action is offered and the row may be deleted)."""
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label_lower == label)
    target = ADMIN_ACTION_TARGETS.get((label, action)) or ADMIN_TARGETS.get(label)
    user = user_of(role, world)
    if target is None or user is None:
        return False if user is None else _offered(model_admin, user, action)
    obj = target(world)
    if action == "delete_selected":
        request = RequestFactory().get("/admin/")
        request.user = user
        return _offered(model_admin, user, action) and model_admin.has_delete_permission(request, obj)
    model = type(obj)
    before = model.objects.filter(pk=obj.pk).values().first()
    client = Client()
    client.force_login(user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with transaction.atomic():
        client.post(url, {"action": action, "_selected_action": [obj.pk]})
        after = model.objects.filter(pk=obj.pk).values().first()
        transaction.set_rollback(True)
    return after != before


def _offered(model_admin, user, action: str) -> bool:
    request = RequestFactory().get("/admin/")
    request.user = user
    return model_admin.has_module_permission(request) and action in model_admin.get_actions(request)


def test_every_admin_action_has_a_row_and_every_row_an_action():
    missing = sorted(admin_actions() - ADMIN_ACTIONS.keys())
    stale = sorted(ADMIN_ACTIONS.keys() - admin_actions())
    assert not missing, f"admin actions without a row in ADMIN_ACTIONS: {missing}"
    assert not stale, f"rows in ADMIN_ACTIONS for actions that no longer exist: {stale}"


def test_admin_actions_are_allowed_as_the_table_says(world):
    mismatches = []
    for (label, action), row in sorted(ADMIN_ACTIONS.items()):
        for role, expected in zip(ROLES, row, strict=True):
            if _admin_allows(world, role, label, action) != expected:
                mismatches.append(f"{label} {action} by {role}: expected {'allowed' if expected else 'refused'}")
    assert not mismatches, f"{len(mismatches)} mismatches\n" + "\n".join(mismatches)

"""The permission matrix of the accounts that hold a part of a county (issue 15 items 1 and 2), beside
test_permission_matrix.py's table and on its world, routes, bodies and outcome classes: every route and
method × three roles, against one table. A route without a row here fails the suite too.

The world is test_permission_matrix's (tests/kepu/conftest.py), with county A's event placed in a
township of county A (its venue's village lies in that town) and co-organized by county A's
organization; every request still targets county A's records. The roles:

    township      a township organizer of county A whose township is NOT the event's
    own_township  a township organizer of county A whose township is the event's
    partner       a partner account of county A's organization, which co-organizes the event

What they may do (kepu/access.py): the township organizer of the event's township plans it, staffs it,
runs its door and records its work; the partner account reads it and records its work (registrations,
paper sheets, outputs, evidence) but plans nothing, staffs nothing and runs no door; the other township
organizer gets nothing of it (404, as for another county). None of the three reads or writes the
county's registers (sites, media, contests, bases, funding, organizations, venues through their API,
volunteers' invitations, notifications), its campaigns' plans or its figures: those views answer 403,
or their lists are empty.
"""

import pytest

from tests.factories import PartnerAccountFactory, TownFactory, TownshipOrganizerFactory

from .test_permission_matrix import EXPECTED, observe_as, routes

pytestmark = pytest.mark.django_db

SCOPED_ROLES = ("township", "own_township", "partner")


# fmt: off
EXPECTED_SCOPED: dict[tuple[str, str], str] = {
    # (route name, method):                     "township own_town partner"
    # The door: the township organizer of the event's township runs it; a partner account does not scan.
    ("api:checkin-scan", "POST"):                "denied   ok       denied",
    ("api:checkin-batch", "POST"):               "denied   ok       denied",
    # Registrations, paper sheets, outputs, evidence: the own township and the partner record them; another
    # township organizer is refused as another county (an empty list, else 404). An empty body is a 400.
    ("api:event-registrations", "GET"):          "ok       ok       ok",
    ("api:event-registrations", "POST"):         "denied   ok       ok",
    ("api:event-registrations-import", "POST"):  "denied   bad      bad",
    ("api:event-headcounts", "GET"):             "denied   ok       ok",
    ("api:event-headcounts", "POST"):            "denied   ok       denied",
    ("api:event-paper-checkins", "POST"):        "denied   ok       ok",
    ("api:event-poster-code", "GET"):            "denied   ok       ok",
    ("api:event-poster-code", "POST"):           "denied   ok       denied",
    ("api:event-scan-log", "GET"):               "denied   ok       ok",
    ("api:event-attendance", "GET"):             "denied   ok       ok",
    ("api:registration-detail", "GET"):          "denied   ok       ok",
    ("api:registration-revoke", "POST"):         "denied   ok       ok",
    ("api:registration-qr-png", "GET"):          "denied   ok       ok",
    ("api:registration-qr-svg", "GET"):          "denied   ok       ok",
    ("api:checkin-search", "GET"):               "denied   ok       ok",
    # Only the organizer who scanned a check-in annuls it (the service; A's was scanned by A's county organizer): 400.
    ("api:checkin-annul", "POST"):               "denied   bad      denied",
    ("api:checkin-review", "POST"):              "denied   bad      denied",
    ("api:api-token", "POST"):                   "bad      bad      bad",
    ("api:region-list", "GET"):                  "ok       ok       ok",
    ("api:region-detail", "GET"):                "ok       ok       ok",
    # The county's registers (organizations, sites, media, contests, bases, funding, venues through their API):
    # IsOrganizer, the whole association's; all three scoped accounts are refused 403.
    ("api:organization-list", "GET"):            "denied   denied   denied",
    ("api:organization-list", "POST"):           "denied   denied   denied",
    ("api:organization-detail", "GET"):          "denied   denied   denied",
    ("api:organization-detail", "PUT"):          "denied   denied   denied",
    ("api:organization-detail", "PATCH"):        "denied   denied   denied",
    ("api:organization-detail", "DELETE"):       "denied   denied   denied",
    ("api:organization-memberships", "POST"):    "denied   denied   denied",
    ("api:organization-supports", "POST"):       "denied   denied   denied",
    ("api:site-list", "GET"):                    "denied   denied   denied",
    ("api:site-list", "POST"):                   "denied   denied   denied",
    ("api:site-detail", "GET"):                  "denied   denied   denied",
    ("api:site-detail", "PUT"):                  "denied   denied   denied",
    ("api:site-detail", "PATCH"):                "denied   denied   denied",
    ("api:site-detail", "DELETE"):               "denied   denied   denied",
    ("api:site-repairs", "POST"):                "denied   denied   denied",
    ("api:site-books", "POST"):                  "denied   denied   denied",
    ("api:site-import", "POST"):                 "denied   denied   denied",
    ("api:media-column-list", "GET"):            "denied   denied   denied",
    ("api:media-column-list", "POST"):           "denied   denied   denied",
    ("api:media-column-detail", "GET"):          "denied   denied   denied",
    ("api:media-column-detail", "PUT"):          "denied   denied   denied",
    ("api:media-column-detail", "PATCH"):        "denied   denied   denied",
    ("api:media-column-detail", "DELETE"):       "denied   denied   denied",
    ("api:media-column-episodes", "POST"):       "denied   denied   denied",
    ("api:news-report-list", "GET"):             "denied   denied   denied",
    ("api:news-report-list", "POST"):            "denied   denied   denied",
    ("api:news-report-detail", "GET"):           "denied   denied   denied",
    ("api:news-report-detail", "PUT"):           "denied   denied   denied",
    ("api:news-report-detail", "PATCH"):         "denied   denied   denied",
    ("api:news-report-detail", "DELETE"):        "denied   denied   denied",
    ("api:contest-list", "GET"):                 "denied   denied   denied",
    ("api:contest-list", "POST"):                "denied   denied   denied",
    ("api:contest-detail", "GET"):               "denied   denied   denied",
    ("api:contest-detail", "PUT"):               "denied   denied   denied",
    ("api:contest-detail", "PATCH"):             "denied   denied   denied",
    ("api:contest-detail", "DELETE"):            "denied   denied   denied",
    ("api:contest-entries", "POST"):             "denied   denied   denied",
    ("api:contest-entries-import", "POST"):      "denied   denied   denied",
    ("api:demonstrationbase-list", "GET"):       "denied   denied   denied",
    ("api:demonstrationbase-list", "POST"):      "denied   denied   denied",
    ("api:demonstrationbase-detail", "GET"):     "denied   denied   denied",
    ("api:demonstrationbase-detail", "PUT"):     "denied   denied   denied",
    ("api:demonstrationbase-detail", "PATCH"):   "denied   denied   denied",
    ("api:demonstrationbase-detail", "DELETE"):  "denied   denied   denied",
    ("api:demonstrationbase-results", "POST"):   "denied   denied   denied",
    ("api:fundingrecord-list", "GET"):           "denied   denied   denied",
    ("api:fundingrecord-list", "POST"):          "denied   denied   denied",
    ("api:fundingrecord-detail", "GET"):         "denied   denied   denied",
    ("api:fundingrecord-detail", "PUT"):         "denied   denied   denied",
    ("api:fundingrecord-detail", "PATCH"):       "denied   denied   denied",
    ("api:fundingrecord-detail", "DELETE"):      "denied   denied   denied",
    ("api:fundingrecord-document", "GET"):       "denied   denied   denied",
    ("api:venue-list", "GET"):                   "denied   denied   denied",
    ("api:venue-list", "POST"):                  "denied   denied   denied",
    ("api:venue-detail", "GET"):                 "denied   denied   denied",
    ("api:venue-detail", "PUT"):                 "denied   denied   denied",
    ("api:venue-detail", "PATCH"):               "denied   denied   denied",
    ("api:venue-detail", "DELETE"):              "denied   denied   denied",
    # Campaigns: a township organizer reads the association's (to plan its events in them), a partner the
    # public ones; none of them changes one.
    ("api:campaign-list", "GET"):                "ok       ok       ok",
    ("api:campaign-list", "POST"):               "denied   denied   denied",
    ("api:campaign-detail", "GET"):              "ok       ok       ok",
    ("api:campaign-detail", "PUT"):              "denied   denied   denied",
    ("api:campaign-detail", "PATCH"):            "denied   denied   denied",
    ("api:campaign-detail", "DELETE"):           "denied   denied   denied",
    # Events: another township's venue is refused (400); the partner plans nothing (403) but records outputs.
    ("api:event-list", "GET"):                   "ok       ok       ok",
    ("api:event-list", "POST"):                  "bad      ok       denied",
    ("api:event-detail", "GET"):                 "denied   ok       ok",
    ("api:event-detail", "PUT"):                 "denied   bad      denied",
    ("api:event-detail", "PATCH"):               "denied   ok       denied",
    ("api:event-detail", "DELETE"):              "denied   conflict denied",
    ("api:event-cancel", "POST"):                "denied   ok       denied",
    ("api:event-outputs", "GET"):                "denied   ok       ok",
    ("api:event-outputs", "POST"):               "denied   bad      bad",
    ("api:api-root", "GET"):                     "ok       ok       ok",
    ("api:my-signups", "GET"):                   "denied   denied   denied",
    ("api:my-hours", "GET"):                     "denied   denied   denied",
    ("api:my-staff-scan", "POST"):               "denied   denied   denied",
    # Shifts and sign-ups: the own township staffs its event; a partner reads no staff.
    ("api:shift-list", "GET"):                   "ok       ok       ok",
    ("api:shift-list", "POST"):                  "bad      ok       bad",
    ("api:shift-detail", "GET"):                 "denied   ok       denied",
    ("api:shift-detail", "PUT"):                 "denied   bad      denied",
    ("api:shift-detail", "PATCH"):               "denied   ok       denied",
    ("api:shift-add", "POST"):                   "denied   ok       denied",
    ("api:shift-cancel", "POST"):                "denied   denied   denied",
    ("api:shift-signup", "POST"):                "denied   denied   denied",
    ("api:signup-list", "GET"):                  "ok       ok       ok",
    ("api:signup-detail", "GET"):                "denied   ok       denied",
    ("api:signup-attendance", "POST"):           "denied   ok       denied",
    ("api:signup-cancel", "POST"):               "denied   ok       denied",
    ("api:signup-hours", "POST"):                "denied   bad      denied",
    ("api:signup-move", "POST"):                 "denied   bad      denied",
    # The volunteers' pool: a township organizer reads it (to staff its shifts) and changes no one.
    ("api:volunteer-list", "GET"):               "ok       ok       ok",
    ("api:volunteer-list", "POST"):              "denied   denied   denied",
    ("api:volunteer-detail", "GET"):             "ok       ok       denied",
    ("api:volunteer-detail", "PUT"):             "denied   denied   denied",
    ("api:volunteer-invitation-list", "GET"):    "denied   denied   denied",
    ("api:volunteer-invitation-detail", "GET"):  "denied   denied   denied",
    ("api:volunteer-detail", "PATCH"):           "denied   denied   denied",
    ("api:notification-preferences", "GET"):     "ok       ok       ok",
    ("api:notification-preferences", "PATCH"):   "ok       ok       ok",
    ("api:login-code", "POST"):                  "bad      bad      bad",
    ("api:login-code-verify", "POST"):           "bad      bad      bad",
    # Messages and the figures of the association (stats API): none; an event's own figures for who reads it.
    ("api:notification-list", "GET"):            "denied   denied   denied",
    ("api:notification-summary", "GET"):         "denied   denied   denied",
    ("api:notification-detail", "GET"):          "denied   denied   denied",
    ("api:notification-resend", "POST"):         "denied   denied   denied",
    ("api:inbox-list", "GET"):                   "ok       ok       ok",
    ("api:inbox-read-all", "POST"):              "ok       ok       ok",
    ("api:inbox-unread-count", "GET"):           "ok       ok       ok",
    ("api:inbox-detail", "GET"):                 "denied   denied   denied",
    ("api:inbox-read", "POST"):                  "denied   denied   denied",
    ("api:stats-year", "GET"):                   "denied   denied   denied",
    ("api:stats-period", "GET"):                 "denied   denied   denied",
    ("api:stats-event", "GET"):                  "denied   ok       ok",
    ("api:stats-campaign", "GET"):               "denied   denied   denied",
    ("api:stats-campaigns", "GET"):              "denied   denied   denied",
    ("api:stats-summary", "GET"):                "denied   denied   denied",
    ("api:stats-recompute", "POST"):             "denied   denied   denied",
    ("api:stats-today", "GET"):                  "denied   denied   denied",
    ("/", "GET"):                                "ok       ok       ok",
    ("/", "POST"):                               "ok       ok       ok",
    ("/", "PUT"):                                "ok       ok       ok",
    ("/", "PATCH"):                              "ok       ok       ok",
    ("/", "DELETE"):                             "ok       ok       ok",
    ("healthz", "GET"):                          "ok       ok       ok",
    ("healthz", "POST"):                         "ok       ok       ok",
    ("schema", "GET"):                           "ok       ok       ok",
    ("api-docs", "GET"):                         "ok       ok       ok",
    ("v-events", "GET"):                         "ok       ok       ok",
    ("v-events", "POST"):                        "ok       ok       ok",
    ("v-register", "GET"):                       "ok       ok       ok",
    ("v-register", "POST"):                      "ok       ok       ok",
    ("v-register-confirm", "GET"):               "ok       ok       ok",
    ("v-register-confirm", "POST"):              "ok       ok       ok",
    ("v-join", "GET"):                           "ok       ok       ok",
    ("v-join", "POST"):                          "ok       ok       ok",
    ("v-login", "GET"):                          "ok       ok       ok",
    ("v-login", "POST"):                         "ok       ok       ok",
    ("v-logout", "GET"):                         "405      405      405",
    ("v-logout", "POST"):                        "ok       ok       ok",
    # The volunteers' pages: an organizer reads the events they hold (another township's: 404, as another county's).
    ("v-event", "GET"):                          "denied   ok       ok",
    ("v-event", "POST"):                         "denied   ok       ok",
    ("v-signup", "GET"):                         "405      405      405",
    ("v-signup", "POST"):                        "ok       ok       ok",
    ("v-cancel", "GET"):                         "405      405      405",
    ("v-cancel", "POST"):                        "ok       ok       ok",
    ("v-schedule", "GET"):                       "ok       ok       ok",
    ("v-schedule", "POST"):                      "ok       ok       ok",
    ("v-hours", "GET"):                          "ok       ok       ok",
    ("v-hours", "POST"):                         "ok       ok       ok",
    ("v-certificate", "GET"):                    "ok       ok       ok",
    ("v-certificate", "POST"):                   "ok       ok       ok",
    ("v-calendar", "GET"):                       "ok       ok       ok",
    ("v-calendar", "POST"):                      "ok       ok       ok",
    ("v-ical", "GET"):                           "ok       ok       ok",
    ("v-ical", "POST"):                          "ok       ok       ok",
    ("v-staff", "GET"):                          "denied   denied   denied",
    ("v-staff", "POST"):                         "denied   denied   denied",
    # The pool's pages (short shifts, hours, imports) are the county's; the roster, the event's staff.
    ("v-org-short", "GET"):                      "denied   denied   denied",
    ("v-org-short", "POST"):                     "denied   denied   denied",
    ("v-org-roster", "GET"):                     "denied   ok       denied",
    ("v-org-roster", "POST"):                    "denied   ok       denied",
    ("v-org-roster-export", "GET"):              "denied   ok       denied",
    ("v-org-roster-export", "POST"):             "denied   ok       denied",
    ("v-org-hours-export", "GET"):               "denied   denied   denied",
    ("v-org-hours-export", "POST"):              "denied   denied   denied",
    ("v-org-import", "GET"):                     "denied   denied   denied",
    ("v-org-import", "POST"):                    "denied   denied   denied",
    ("checkin:scanner-sw", "GET"):               "ok       ok       ok",
    ("checkin:scanner-sw", "POST"):              "ok       ok       ok",
    ("checkin:scanner", "GET"):                  "denied   ok       denied",
    ("checkin:scanner", "POST"):                 "denied   ok       denied",
    ("checkin:self", "GET"):                     "ok       ok       ok",
    ("checkin:self", "POST"):                    "ok       ok       ok",
    ("checkin:tickets", "GET"):                  "denied   ok       ok",
    ("checkin:tickets", "POST"):                 "denied   ok       ok",
    ("checkin:poster", "GET"):                   "denied   ok       ok",
    ("checkin:poster", "POST"):                  "405      405      405",
    ("inbox", "GET"):                            "ok       ok       ok",
    ("inbox", "POST"):                           "ok       ok       ok",
    ("inbox-read", "GET"):                       "405      405      405",
    ("inbox-read", "POST"):                      "ok       ok       ok",
    ("inbox-read-all", "GET"):                   "405      405      405",
    ("inbox-read-all", "POST"):                  "ok       ok       ok",
    ("ticket", "GET"):                           "ok       ok       ok",
    ("ticket", "POST"):                          "405      405      405",
    ("desk-home", "GET"):                        "ok       ok       ok",
    ("desk-home", "POST"):                       "405      405      405",
    ("desk-login", "GET"):                       "ok       ok       ok",
    ("desk-login", "POST"):                      "ok       ok       ok",
    ("desk-logout", "GET"):                      "405      405      405",
    ("desk-logout", "POST"):                     "denied   denied   denied",
    ("desk-events", "GET"):                      "ok       ok       ok",
    ("desk-events", "POST"):                     "405      405      405",
    ("desk-events-calendar", "GET"):             "ok       ok       ok",
    ("desk-events-calendar", "POST"):            "405      405      405",
    # The desk: a partner plans no event (403); the own township plans, edits, copies, cancels its event.
    ("desk-event-new", "GET"):                   "ok       ok       denied",
    ("desk-event-new", "POST"):                  "ok       ok       denied",
    ("desk-event", "GET"):                       "denied   ok       ok",
    ("desk-event", "POST"):                      "405      405      405",
    ("desk-event-edit", "GET"):                  "denied   ok       denied",
    ("desk-event-edit", "POST"):                 "denied   ok       denied",
    ("desk-event-copy", "GET"):                  "denied   ok       denied",
    ("desk-event-copy", "POST"):                 "denied   ok       denied",
    ("desk-event-cancel", "GET"):                "denied   ok       denied",
    ("desk-event-cancel", "POST"):               "denied   ok       denied",
    # Campaigns and personal data on request are the county's (desk/views/common.association_organizer_required).
    ("desk-campaign-new", "GET"):                "denied   denied   denied",
    ("desk-campaign-new", "POST"):               "denied   denied   denied",
    ("desk-campaign-edit", "GET"):               "denied   denied   denied",
    ("desk-campaign-edit", "POST"):              "denied   denied   denied",
    # Figures: a township organizer reads its township's (the records behind them too); a partner its event's.
    ("dashboard", "GET"):                        "ok       ok       denied",
    ("dashboard", "POST"):                       "ok       ok       denied",
    ("dashboard-figure", "GET"):                 "ok       ok       denied",
    ("dashboard-figure", "POST"):                "ok       ok       denied",
    ("dashboard-event", "GET"):                  "denied   ok       ok",
    ("dashboard-event", "POST"):                 "denied   ok       ok",
    ("dashboard-summary", "GET"):                "denied   denied   denied",
    ("dashboard-summary", "POST"):               "denied   denied   denied",
    ("desk-event-after", "GET"):                 "denied   ok       ok",
    ("desk-event-after", "POST"):                "405      405      405",
    ("desk-event-paper", "GET"):                 "405      405      405",
    ("desk-event-paper", "POST"):                "denied   bad      bad",
    ("desk-event-headcount", "GET"):             "405      405      405",
    ("desk-event-headcount", "POST"):            "denied   bad      denied",
    ("desk-event-outputs", "GET"):               "405      405      405",
    ("desk-event-outputs", "POST"):              "denied   bad      bad",
    ("desk-event-output", "GET"):                "405      405      405",
    ("desk-event-output", "POST"):               "denied   bad      bad",
    ("desk-event-evidence", "GET"):              "405      405      405",
    ("desk-event-evidence", "POST"):             "denied   bad      bad",
    ("desk-evidence-delete", "GET"):             "405      405      405",
    ("desk-evidence-delete", "POST"):            "denied   ok       ok",
    ("desk-evidence-file", "GET"):               "denied   ok       ok",
    ("desk-evidence-file", "POST"):              "405      405      405",
    ("desk-evidence-thumbnail", "GET"):          "denied   ok       ok",
    ("desk-evidence-thumbnail", "POST"):         "405      405      405",
    ("desk-event-staffing", "GET"):              "denied   ok       denied",
    ("desk-event-staffing", "POST"):             "405      405      405",
    ("desk-privacy", "GET"):                     "denied   denied   denied",
    ("desk-privacy", "POST"):                    "denied   denied   denied",
    ("desk-privacy-export", "GET"):              "denied   denied   denied",
    ("desk-privacy-export", "POST"):             "denied   denied   denied",
    ("desk-privacy-delete", "GET"):              "denied   denied   denied",
    ("desk-privacy-delete", "POST"):             "denied   denied   denied",
    ("desk-event-registrations", "GET"):         "denied   ok       ok",
    ("desk-event-registrations", "POST"):        "denied   ok       ok",
    ("desk-event-registrations-import", "GET"):  "denied   ok       ok",
    ("desk-event-registrations-import", "POST"): "denied   ok       ok",
    ("desk-registration-revoke", "GET"):         "denied   ok       ok",
    ("desk-registration-revoke", "POST"):        "denied   ok       ok",
    ("desk-event-poster-code-rotate", "GET"):    "405      405      405",
    ("desk-event-poster-code-rotate", "POST"):   "denied   ok       denied",
    ("desk-event-live", "GET"):                  "denied   ok       ok",
    ("desk-event-live", "POST"):                 "405      405      405",
    ("desk-event-live-counts", "GET"):           "denied   ok       ok",
    ("desk-event-live-counts", "POST"):          "405      405      405",
    ("desk-checkin-review", "GET"):              "405      405      405",
    ("desk-checkin-review", "POST"):             "denied   ok       denied",
    # The held self check-ins: as the scan log, read by who records the event's work.
    ("api:event-checkins-held", "GET"):          "denied   ok       ok",
    # The association's registers (年度工作), its submissions to the prefecture, the national form, and the imports
    # of its media registers: the whole association's organizers' alone (403 on the desk, 404/403 on the API).
    ("api:media-column-episodes-import", "POST"):"denied   denied   denied",
    ("api:news-report-import", "POST"):          "denied   denied   denied",
    ("api:reporting-rollup", "GET"):             "denied   denied   denied",
    ("api:submission-accept", "POST"):           "denied   denied   denied",
    ("api:submission-detail", "GET"):            "denied   denied   denied",
    ("api:submission-list", "GET"):              "denied   denied   denied",
    ("api:submission-list", "POST"):             "denied   denied   denied",
    ("api:submission-return", "POST"):           "denied   denied   denied",
    ("api:survey-national-form", "GET"):         "denied   denied   denied",
    ("desk-base", "GET"):                        "denied   denied   denied",
    ("desk-base", "POST"):                       "denied   denied   denied",
    ("desk-base-delete", "GET"):                 "denied   denied   denied",
    ("desk-base-delete", "POST"):                "denied   denied   denied",
    ("desk-base-new", "GET"):                    "denied   denied   denied",
    ("desk-base-new", "POST"):                   "denied   denied   denied",
    ("desk-base-results", "GET"):                "denied   denied   denied",
    ("desk-base-results", "POST"):               "denied   denied   denied",
    ("desk-bases", "GET"):                       "denied   denied   denied",
    ("desk-bases", "POST"):                      "denied   denied   denied",
    ("desk-contest", "GET"):                     "denied   denied   denied",
    ("desk-contest", "POST"):                    "denied   denied   denied",
    ("desk-contest-delete", "GET"):              "denied   denied   denied",
    ("desk-contest-delete", "POST"):             "denied   denied   denied",
    ("desk-contest-entries", "GET"):             "denied   denied   denied",
    ("desk-contest-entries", "POST"):            "denied   denied   denied",
    ("desk-contest-entries-import", "GET"):      "denied   denied   denied",
    ("desk-contest-entries-import", "POST"):     "denied   denied   denied",
    ("desk-contest-new", "GET"):                 "denied   denied   denied",
    ("desk-contest-new", "POST"):                "denied   denied   denied",
    ("desk-contests", "GET"):                    "denied   denied   denied",
    ("desk-contests", "POST"):                   "denied   denied   denied",
    ("desk-funding", "GET"):                     "denied   denied   denied",
    ("desk-funding", "POST"):                    "denied   denied   denied",
    ("desk-funding-record", "GET"):              "denied   denied   denied",
    ("desk-funding-record", "POST"):             "denied   denied   denied",
    ("desk-funding-record-delete", "GET"):       "denied   denied   denied",
    ("desk-funding-record-delete", "POST"):      "denied   denied   denied",
    ("desk-funding-record-new", "GET"):          "denied   denied   denied",
    ("desk-funding-record-new", "POST"):         "denied   denied   denied",
    ("desk-media-column", "GET"):                "denied   denied   denied",
    ("desk-media-column", "POST"):               "denied   denied   denied",
    ("desk-media-column-delete", "GET"):         "denied   denied   denied",
    ("desk-media-column-delete", "POST"):        "denied   denied   denied",
    ("desk-media-column-episodes", "GET"):       "denied   denied   denied",
    ("desk-media-column-episodes", "POST"):      "denied   denied   denied",
    ("desk-media-column-new", "GET"):            "denied   denied   denied",
    ("desk-media-column-new", "POST"):           "denied   denied   denied",
    ("desk-media-columns", "GET"):               "denied   denied   denied",
    ("desk-media-columns", "POST"):              "denied   denied   denied",
    ("desk-national-form", "GET"):               "denied   denied   denied",
    ("desk-national-form", "POST"):              "405      405      405",
    ("desk-national-form-file", "GET"):          "denied   denied   denied",
    ("desk-national-form-file", "POST"):         "405      405      405",
    ("desk-news-report", "GET"):                 "denied   denied   denied",
    ("desk-news-report", "POST"):                "denied   denied   denied",
    ("desk-news-report-delete", "GET"):          "denied   denied   denied",
    ("desk-news-report-delete", "POST"):         "denied   denied   denied",
    ("desk-news-report-new", "GET"):             "denied   denied   denied",
    ("desk-news-report-new", "POST"):            "denied   denied   denied",
    ("desk-news-reports", "GET"):                "denied   denied   denied",
    ("desk-news-reports", "POST"):               "denied   denied   denied",
    ("desk-organization", "GET"):                "denied   denied   denied",
    ("desk-organization", "POST"):               "denied   denied   denied",
    ("desk-organization-delete", "GET"):         "denied   denied   denied",
    ("desk-organization-delete", "POST"):        "denied   denied   denied",
    ("desk-organization-members", "GET"):        "denied   denied   denied",
    ("desk-organization-members", "POST"):       "denied   denied   denied",
    ("desk-organization-new", "GET"):            "denied   denied   denied",
    ("desk-organization-new", "POST"):           "denied   denied   denied",
    ("desk-organization-supports", "GET"):       "denied   denied   denied",
    ("desk-organization-supports", "POST"):      "denied   denied   denied",
    ("desk-organizations", "GET"):               "denied   denied   denied",
    ("desk-organizations", "POST"):              "denied   denied   denied",
    ("desk-registers", "GET"):                   "denied   denied   denied",
    ("desk-registers", "POST"):                  "denied   denied   denied",
    ("desk-reporting", "GET"):                   "denied   denied   denied",
    ("desk-reporting", "POST"):                  "denied   denied   denied",
    ("desk-reporting-submit", "GET"):            "denied   denied   denied",
    ("desk-reporting-submit", "POST"):           "denied   denied   denied",
    ("desk-reporting-summary", "GET"):           "denied   denied   denied",
    ("desk-reporting-summary", "POST"):          "denied   denied   denied",
    ("desk-site", "GET"):                        "denied   denied   denied",
    ("desk-site", "POST"):                       "denied   denied   denied",
    ("desk-site-books", "GET"):                  "denied   denied   denied",
    ("desk-site-books", "POST"):                 "denied   denied   denied",
    ("desk-site-delete", "GET"):                 "denied   denied   denied",
    ("desk-site-delete", "POST"):                "denied   denied   denied",
    ("desk-site-new", "GET"):                    "denied   denied   denied",
    ("desk-site-new", "POST"):                   "denied   denied   denied",
    ("desk-site-repairs", "GET"):                "denied   denied   denied",
    ("desk-site-repairs", "POST"):               "denied   denied   denied",
    ("desk-sites", "GET"):                       "denied   denied   denied",
    ("desk-sites", "POST"):                      "denied   denied   denied",
    ("desk-sites-import", "GET"):                "denied   denied   denied",
    ("desk-sites-import", "POST"):               "denied   denied   denied",
    ("desk-submission", "GET"):                  "denied   denied   denied",
    ("desk-submission", "POST"):                 "denied   denied   denied",
    ("desk-submission-file", "GET"):             "denied   denied   denied",
    ("desk-submission-file", "POST"):            "denied   denied   denied",
    ("desk-submission-review", "GET"):           "denied   denied   denied",
    ("desk-submission-review", "POST"):          "denied   denied   denied",
}
# fmt: on


@pytest.fixture
def scoped(world):
    """The three scoped accounts of county A, with A's event in the own township and co-organized."""
    a = world.a
    town = a.venue.region.parent  # the venue's village's town, moved into county A
    town.parent = a.association.region
    town.save(update_fields=["parent"])
    a.event.partners.add(a.organization)
    return {
        "township": TownshipOrganizerFactory(
            association=a.association, town=TownFactory(parent=a.association.region), user__username="township"
        ).user,
        "own_township": TownshipOrganizerFactory(association=a.association, town=town, user__username="own-town").user,
        "partner": PartnerAccountFactory(
            association=a.association, organization=a.organization, user__username="partner"
        ).user,
    }


def test_every_route_and_method_has_a_scoped_row_and_every_row_a_route():
    enumerated = {(r.name, m.upper()) for r in routes().values() for m in r.methods}
    missing = sorted(enumerated - EXPECTED_SCOPED.keys())
    stale = sorted(EXPECTED_SCOPED.keys() - enumerated)
    assert not missing, f"routes without a row in EXPECTED_SCOPED: {missing}"
    assert not stale, f"rows in EXPECTED_SCOPED for routes that no longer exist: {stale}"
    assert EXPECTED_SCOPED.keys() == EXPECTED.keys()  # the two tables cover the same routes
    assert all(len(row.split()) == len(SCOPED_ROLES) for row in EXPECTED_SCOPED.values())


@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_the_scoped_role_gets_what_the_matrix_says(world, scoped, role):
    column = SCOPED_ROLES.index(role)
    expected = {key: row.split()[column] for key, row in EXPECTED_SCOPED.items()}
    seen = observe_as(world, scoped[role])
    mismatches = [
        f"{name} {method}: expected {expected.get((name, method), '?')}, got {outcome}"
        for (name, method), outcome in sorted(seen.items())
        if expected.get((name, method)) != outcome
    ]
    assert not mismatches, f"{role}: {len(mismatches)} mismatches\n" + "\n".join(mismatches)


def test_the_other_township_writes_nothing_of_county_a():
    """The table keeps the rule: no unsafe method is "ok" for another township's organizer, except the
    routes that write the sender's own records (their login, inbox…)."""
    from .test_permission_matrix import OWN_RECORD_ROUTES, PAGES_THAT_ONLY_READ

    for (name, method), row in EXPECTED_SCOPED.items():
        if method == "GET" or name in OWN_RECORD_ROUTES or name in PAGES_THAT_ONLY_READ:
            continue
        assert row.split()[SCOPED_ROLES.index("township")] != "ok", f"{name} {method} lets another township write"

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

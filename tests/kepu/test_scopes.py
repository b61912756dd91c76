"""Township organizers and partner accounts (issue 15 items 1 and 2): an organizer who holds a part of the
county. A township organizer plans and runs the events whose venue lies in their township; a partner
account records the work of the events its organization co-organizes; the county's organizer still
reads and changes all of them. kepu/access.py says it; these tests try it through the API, the desk
and the model."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from checkin.models import Registration
from events.models import Association, Event, EventOutput, Organization, Organizer, Region, Venue
from kepu import access
from tests.factories import (
    AssociationFactory,
    EventFactory,
    OrganizationFactory,
    OrganizerFactory,
    PartnerAccountFactory,
    SiteFactory,
    TownFactory,
    TownshipOrganizerFactory,
    VenueFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class County:
    association: Association
    town: Region  # 城关镇: the township organizer's
    other_town: Region  # 河口乡: another township of the county
    venue: Venue  # in a village of `town`
    other_venue: Venue  # in a village of `other_town`
    event: Event  # at `venue`
    other_event: Event  # at `other_venue`, co-organized by `partner`
    partner: Organization
    county_organizer: Organizer
    township: Organizer  # of `town`
    partner_account: Organizer  # of `partner`


@pytest.fixture
def county() -> County:
    association = AssociationFactory()
    town = TownFactory(parent=association.region, name="城关镇")
    other_town = TownFactory(parent=association.region, name="河口乡")
    venue = VenueFactory(association=association, region=VillageFactory(parent=town))
    other_venue = VenueFactory(association=association, region=VillageFactory(parent=other_town))
    partner = OrganizationFactory(association=association, name="县教育局")
    other_event = EventFactory(association=association, venue=other_venue)
    other_event.partners.add(partner)
    return County(
        association=association,
        town=town,
        other_town=other_town,
        venue=venue,
        other_venue=other_venue,
        event=EventFactory(association=association, venue=venue),
        other_event=other_event,
        partner=partner,
        county_organizer=OrganizerFactory(association=association),
        township=TownshipOrganizerFactory(association=association, town=town),
        partner_account=PartnerAccountFactory(association=association, organization=partner),
    )


def _api(organizer: Organizer) -> APIClient:
    client = APIClient()
    client.force_authenticate(organizer.user)
    return client


def _new_event(venue: Venue, start) -> dict:
    return {
        "title": "乡镇科普讲座",
        "kind": "lecture",
        "venue": venue.id,
        "starts_at": (start + timedelta(days=3)).isoformat(),
        "ends_at": (start + timedelta(days=3, hours=2)).isoformat(),
    }


# --- township organizers --------------------------------------------------------------------------


def test_a_township_organizer_reads_and_changes_only_its_townships_events(county):
    api = _api(county.township)
    listed = api.get(reverse("api:event-list")).json()["results"]
    assert [e["id"] for e in listed] == [county.event.id]
    assert api.get(reverse("api:event-detail", kwargs={"pk": county.event.id})).status_code == 200
    other = reverse("api:event-detail", kwargs={"pk": county.other_event.id})
    assert api.get(other).status_code == 404
    assert api.patch(other, {"title": "改"}, format="json").status_code == 404
    county.other_event.refresh_from_db()
    assert county.other_event.title != "改"
    assert (
        api.patch(reverse("api:event-detail", kwargs={"pk": county.event.id}), {"title": "城关镇讲座"}).status_code
        == 200
    )
    county.event.refresh_from_db()
    assert county.event.title == "城关镇讲座"


def test_a_township_organizer_creates_events_only_at_its_townships_venues(county):
    api = _api(county.township)
    at_home = api.post(reverse("api:event-list"), _new_event(county.venue, county.event.starts_at), format="json")
    assert at_home.status_code == 201, at_home.content
    created = Event.objects.get(pk=at_home.json()["id"])
    assert created.association == county.association
    away = api.post(reverse("api:event-list"), _new_event(county.other_venue, county.event.starts_at), format="json")
    assert away.status_code == 400
    assert "venue" in away.json()
    assert not Event.objects.filter(venue=county.other_venue, title="乡镇科普讲座").exists()


def test_a_township_organizer_cannot_move_its_event_to_another_township(county):
    response = _api(county.township).patch(
        reverse("api:event-detail", kwargs={"pk": county.event.id}), {"venue": county.other_venue.id}, format="json"
    )
    assert response.status_code == 400
    county.event.refresh_from_db()
    assert county.event.venue == county.venue


def test_a_township_organizer_records_its_events_work_and_no_other_townships(client, county):
    api = _api(county.township)
    registered = api.post(reverse("api:event-registrations", kwargs={"event_id": county.event.id}), {"name": "张三"})
    assert registered.status_code == 201
    refused = api.post(reverse("api:event-registrations", kwargs={"event_id": county.other_event.id}), {"name": "李四"})
    assert refused.status_code == 404
    assert not Registration.objects.filter(event=county.other_event).exists()
    client.force_login(county.township.user)
    assert client.get(reverse("desk-event", kwargs={"event_id": county.event.id})).status_code == 200
    assert client.get(reverse("desk-event", kwargs={"event_id": county.other_event.id})).status_code == 404
    outputs = reverse("desk-event-outputs", kwargs={"event_id": county.other_event.id})
    assert client.post(outputs, {"output-kind": "materials", "output-quantity": 5}).status_code == 404
    assert not EventOutput.objects.filter(event=county.other_event).exists()


def test_a_township_organizer_holds_none_of_the_countys_registers(county):
    SiteFactory(association=county.association, region=county.venue.region)
    api = _api(county.township)
    for name in ("api:site-list", "api:fundingrecord-list", "api:venue-list", "api:notification-list"):
        assert api.get(reverse(name)).status_code == 403, name
    assert api.post(reverse("api:site-list"), {"name": "科普馆"}).status_code == 403
    assert api.post(reverse("api:campaign-list"), {"name": "乡镇科技周"}).status_code == 403
    assert api.get(reverse("api:stats-year", kwargs={"year": county.event.starts_at.year})).status_code == 403
    assert not access.sites_for_read(county.township.user).exists()


# --- partner accounts -----------------------------------------------------------------------------


def test_a_partner_sees_only_the_events_its_organization_co_organizes(county):
    api = _api(county.partner_account)
    listed = api.get(reverse("api:event-list")).json()["results"]
    assert [e["id"] for e in listed] == [county.other_event.id]
    assert api.get(reverse("api:event-detail", kwargs={"pk": county.event.id})).status_code == 404
    assert api.get(reverse("api:event-registrations", kwargs={"event_id": county.event.id})).json()["results"] == []


def test_a_partner_records_registrations_and_outputs_of_its_events(county):
    api = _api(county.partner_account)
    event = county.other_event
    registered = api.post(reverse("api:event-registrations", kwargs={"event_id": event.id}), {"name": "王五"})
    assert registered.status_code == 201
    assert Registration.objects.filter(event=event, attendee__name="王五").exists()
    output = api.post(reverse("api:event-outputs", kwargs={"pk": event.id}), {"kind": "materials", "quantity": 40})
    assert output.status_code == 201
    assert EventOutput.objects.filter(event=event, quantity=40).exists()
    # Not the other event's.
    assert (
        api.post(reverse("api:event-registrations", kwargs={"event_id": county.event.id}), {"name": "赵六"}).status_code
        == 404
    )
    assert (
        api.post(
            reverse("api:event-outputs", kwargs={"pk": county.event.id}), {"kind": "materials", "quantity": 1}
        ).status_code
        == 404
    )
    assert not EventOutput.objects.filter(event=county.event).exists()


def test_a_partner_plans_nothing_and_holds_no_register(county):
    api = _api(county.partner_account)
    detail = reverse("api:event-detail", kwargs={"pk": county.other_event.id})
    assert api.patch(detail, {"title": "改"}, format="json").status_code == 403  # it reads it, it does not plan it
    assert api.post(reverse("api:event-cancel", kwargs={"pk": county.other_event.id})).status_code == 403
    created = api.post(reverse("api:event-list"), _new_event(county.other_venue, county.event.starts_at), format="json")
    assert created.status_code == 403
    for name in ("api:site-list", "api:organization-list", "api:volunteer-invitation-list", "api:stats-today"):
        assert api.get(reverse(name)).status_code == 403, name
    assert api.get(reverse("api:signup-list")).json()["results"] == []  # the volunteers are not the partner's


def test_a_partner_uploads_evidence_on_the_desk_but_sees_no_staff(client, county):
    client.force_login(county.partner_account.user)
    event = county.other_event
    assert client.get(reverse("desk-event-after", kwargs={"event_id": event.id})).status_code == 200
    assert client.get(reverse("desk-event-staffing", kwargs={"event_id": event.id})).status_code == 404
    assert client.get(reverse("desk-event-edit", kwargs={"event_id": event.id})).status_code == 403
    assert client.get(reverse("desk-campaign-new")).status_code == 403
    assert client.get(reverse("desk-privacy")).status_code == 403
    response = client.post(
        reverse("desk-event-outputs", kwargs={"event_id": event.id}), {"output-kind": "materials", "output-quantity": 7}
    )
    assert response.status_code == 302
    assert EventOutput.objects.filter(event=event, quantity=7).exists()


def test_the_desk_offers_a_scoped_account_only_pages_that_open_for_it(client, county):
    """The home page and the navigation link no page that refuses the account (a partner was offered the
    new-event button, campaigns, volunteers, statistics and personal data; a township organizer the
    volunteers' pages and the registers)."""
    for organizer in (county.township, county.partner_account, county.county_organizer):
        client.force_login(organizer.user)
        page = client.get(reverse("desk-home")).content.decode()
        links = {link for link in re.findall(r'href="(/[^"#?]*)', page) if not link.startswith("/static/")}
        links -= {reverse("desk-logout")}
        refused = {link: client.get(link).status_code for link in links}
        refused = {link: code for link, code in refused.items() if code >= 400}
        assert not refused, (organizer, refused)
    client.force_login(county.partner_account.user)
    page = client.get(reverse("desk-home")).content.decode()
    assert reverse("desk-event-new") not in page and reverse("dashboard") not in page
    assert reverse("desk-registers") not in page and reverse("desk-privacy") not in page


# --- the county -----------------------------------------------------------------------------------


def test_the_county_reads_and_changes_every_townships_and_partners_event(county):
    api = _api(county.county_organizer)
    listed = {e["id"] for e in api.get(reverse("api:event-list")).json()["results"]}
    assert listed == {county.event.id, county.other_event.id}
    for event in (county.event, county.other_event):
        response = api.patch(reverse("api:event-detail", kwargs={"pk": event.id}), {"title": "县科协改"}, format="json")
        assert response.status_code == 200
    assert Event.objects.filter(title="县科协改").count() == 2
    assert api.get(reverse("api:site-list")).status_code == 200


def test_an_event_moved_out_of_the_township_leaves_its_organizer(county):
    """The scope follows the venue: the county moves the event, and the township no longer holds it."""
    assert access.events_for_write(county.township.user).filter(pk=county.event.pk).exists()
    Event.objects.filter(pk=county.event.pk).update(venue=county.other_venue)
    assert not access.events_for_read(county.township.user).filter(pk=county.event.pk).exists()


# --- the model ------------------------------------------------------------------------------------


def test_an_organizers_township_must_be_of_its_countys_townships(county):
    elsewhere = TownFactory()  # a town of another county
    organizer = Organizer(user=county.township.user, association=county.association, town=elsewhere)
    with pytest.raises(ValidationError) as refused:
        organizer.clean()
    assert "town" in refused.value.message_dict
    village = county.venue.region  # a village of the county, not a township
    with pytest.raises(ValidationError):
        Organizer(user=county.township.user, association=county.association, town=village).clean()


def test_a_partner_accounts_organization_must_be_of_its_association(county):
    foreign = OrganizationFactory(association=AssociationFactory())
    organizer = Organizer(user=county.partner_account.user, association=county.association, organization=foreign)
    with pytest.raises(ValidationError) as refused:
        organizer.clean()
    assert "organization" in refused.value.message_dict


def test_an_organizer_is_scoped_to_a_township_or_a_partner_not_both(county):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organizer.objects.filter(pk=county.township.pk).update(organization=county.partner)


# --- figures: the township's own, and who did what in the county's ---------------------------------


def test_a_township_organizer_sees_its_townships_figures_and_a_partner_none(client, county):
    client.force_login(county.county_organizer.user)
    assert client.get(reverse("dashboard")).context["tally"].figures["events_held"] == 2
    client.force_login(county.township.user)
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    assert page.context["tally"].figures["events_held"] == 1
    assert page.context["township"] == county.town
    behind = client.get(reverse("dashboard-figure", kwargs={"figure": "events_held"}))
    assert [e.id for e in behind.context["page"]] == [county.event.id]
    year = county.event.starts_at.year
    assert client.get(reverse("dashboard-summary", kwargs={"year": year})).status_code == 403
    client.force_login(county.partner_account.user)
    assert client.get(reverse("dashboard")).status_code == 403
    assert client.get(reverse("dashboard-event", kwargs={"event_id": county.other_event.id})).status_code == 200
    assert client.get(reverse("dashboard-event", kwargs={"event_id": county.event.id})).status_code == 404


def test_an_event_a_township_organizer_plans_is_the_townships_work(county):
    response = _api(county.township).post(
        reverse("api:event-list"), _new_event(county.venue, county.event.starts_at), format="json"
    )
    assert Event.objects.get(pk=response.json()["id"]).township == county.town
    by_county = _api(county.county_organizer).post(
        reverse("api:event-list"), _new_event(county.venue, county.event.starts_at), format="json"
    )
    assert Event.objects.get(pk=by_county.json()["id"]).township is None


def test_the_by_town_table_shows_the_countys_events_and_each_townships(county):
    from stats import figures as F_
    from stats import summary_text as T_

    Event.objects.filter(pk=county.event.pk).update(township=county.town)  # planned by the township
    year = county.event.starts_at.year
    computed = F_.compute(F_.year_scope(county.association.id, year))
    towns = {t["name"]: t for t in computed.breakdowns["by_town"]}
    assert (towns["城关镇"]["events"], towns["城关镇"]["township_events"]) == (1, 1)
    assert (towns["河口乡"]["events"], towns["河口乡"]["township_events"]) == (1, 0)
    facts = T_.Facts(
        lang="zh-hans", year=year, figures=computed.figures, breakdowns=computed.breakdowns, records={}, previous=None
    )
    intro, table = T_.towns(facts)
    assert "全县科协系统在各乡镇共举办活动2场，其中县科协组织1场、各乡镇科协自行组织1场" in intro
    assert sorted(row[:3] for row in table.rows) == [["城关镇", 1, 1], ["河口乡", 1, 0]]
    # The township's own figures are its part of the county's.
    township = F_.compute(F_.township_year_scope(county.association.id, county.town.id, year))
    assert township.figures["events_held"] == 1


# --- the admin: the county makes the accounts -----------------------------------------------------


def test_the_county_organizer_makes_a_township_account_in_the_admin(client, county):
    organizer = county.county_organizer
    organizer.user.is_staff = True
    organizer.user.save(update_fields=["is_staff"])
    client.force_login(organizer.user)
    url = reverse("admin:events_organizer_add")
    form = client.get(url).context["adminform"].form
    assert set(form.fields["town"].queryset) == {county.town, county.other_town}
    assert set(form.fields["organization"].queryset) == {county.partner}
    refused = client.post(url, {"username": "hekou", "password": "Hekou-2026-kepu!"})  # neither scope
    assert refused.status_code == 200 and not Organizer.objects.filter(user__username="hekou").exists()
    foreign_town = TownFactory()
    refused = client.post(url, {"username": "hekou", "password": "Hekou-2026-kepu!", "town": foreign_town.id})
    assert refused.status_code == 200 and not Organizer.objects.filter(user__username="hekou").exists()
    made = client.post(url, {"username": "hekou", "password": "Hekou-2026-kepu!", "town": county.other_town.id})
    assert made.status_code == 302
    account = Organizer.objects.get(user__username="hekou")
    assert (account.association, account.town, account.user.is_staff) == (county.association, county.other_town, False)
    assert account.user.check_password("Hekou-2026-kepu!")
    assert list(access.events_for_read(account.user)) == [county.other_event]
    # Another county's organizer sees none of it.
    stranger = OrganizerFactory()
    client.force_login(stranger.user)
    assert client.get(reverse("admin:events_organizer_change", args=[account.pk])).status_code in (302, 404)

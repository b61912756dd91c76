from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events import services
from events.models import Campaign, Event
from tests.factories import (
    AssociationFactory,
    CampaignFactory,
    EventFactory,
    EventOutputFactory,
    OrganizationFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def _event_fields(association, **overrides):
    start = timezone.now() + timedelta(days=1)
    fields = {
        "title": "科学养猪讲座",
        "kind": Event.Kind.LECTURE,
        "venue": VenueFactory(association=association),
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
    }
    return {**fields, **overrides}


def test_event_create_saves_partners_and_outputs(association):
    partner = OrganizationFactory(association=association)
    event = services.event_create(
        association=association,
        partners=[partner],
        outputs=[{"kind": "materials", "quantity": 300}],
        **_event_fields(association),
    )
    assert list(event.partners.all()) == [partner]
    assert event.outputs.get().quantity == 300


def test_event_must_end_after_it_starts(association):
    start = timezone.now()
    with pytest.raises(ValidationError) as invalid:
        services.event_create(association=association, **_event_fields(association, starts_at=start, ends_at=start))
    assert "ends_at" in invalid.value.message_dict
    assert not Event.objects.exists()


def test_event_must_lie_within_its_campaign(association):
    campaign = CampaignFactory(association=association, starts_on=date(2026, 5, 17), ends_on=date(2026, 5, 23))
    start = timezone.make_aware(timezone.datetime(2026, 5, 24, 9))
    with pytest.raises(ValidationError) as invalid:
        services.event_create(
            association=association,
            campaign=campaign,
            **_event_fields(association, starts_at=start, ends_at=start + timedelta(hours=2)),
        )
    assert "starts_at" in invalid.value.message_dict


def test_event_on_the_campaigns_last_evening_is_inside_in_local_time(association):
    # 22:00 in Beijing is 14:00 UTC the same day; a UTC comparison would get other edges wrong.
    campaign = CampaignFactory(association=association, starts_on=date(2026, 5, 17), ends_on=date(2026, 5, 23))
    start = timezone.make_aware(timezone.datetime(2026, 5, 23, 21))
    event = services.event_create(
        association=association,
        campaign=campaign,
        **_event_fields(association, starts_at=start, ends_at=start + timedelta(hours=1)),
    )
    assert event.pk


def test_event_of_a_countryside_campaign_is_a_countryside_trip(association):
    campaign = CampaignFactory(association=association, kind=Campaign.Kind.COUNTRYSIDE)
    event = services.event_create(association=association, campaign=campaign, **_event_fields(association))
    assert event.is_countryside_trip


def test_event_cannot_use_another_associations_venue(association):
    foreign_venue = VenueFactory(association=AssociationFactory())
    with pytest.raises(ValidationError) as invalid:
        services.event_create(association=association, **_event_fields(association, venue=foreign_venue))
    assert "venue" in invalid.value.message_dict


def test_campaign_cannot_shrink_past_its_events(association):
    campaign = CampaignFactory(association=association)
    EventFactory(association=association, campaign=campaign, starts_at=timezone.now())
    with pytest.raises(ValidationError):
        services.campaign_update(campaign=campaign, ends_on=timezone.localdate() - timedelta(days=2))
    campaign.refresh_from_db()
    assert campaign.ends_on > timezone.localdate()


def test_campaign_with_events_is_not_deleted(association):
    campaign = CampaignFactory(association=association)
    EventFactory(association=association, campaign=campaign)
    with pytest.raises(services.InUse):
        services.campaign_delete(campaign=campaign)
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_venue_with_events_is_not_deleted(association):
    event = EventFactory(association=association)
    with pytest.raises(services.InUse):
        services.venue_delete(venue=event.venue)
    assert Event.objects.filter(pk=event.pk).exists()


def test_cancelled_event_keeps_its_outputs():
    output = EventOutputFactory()
    services.event_cancel(event=output.event)
    output.event.refresh_from_db()
    assert output.event.status == Event.Status.CANCELLED
    assert output.event.outputs.count() == 1


def test_only_draft_events_are_deleted():
    published = EventFactory(status=Event.Status.PUBLISHED)
    with pytest.raises(services.InUse):
        services.event_delete(event=published)
    draft = EventFactory(status=Event.Status.DRAFT)
    services.event_delete(event=draft)
    assert list(Event.objects.all()) == [published]


def test_events_mark_done_marks_only_finished_published_events():
    now = timezone.now()
    finished = EventFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    running = EventFactory(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    cancelled = EventFactory(
        starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1), status=Event.Status.CANCELLED
    )
    assert services.events_mark_done(now=now) == 1
    assert services.events_mark_done(now=now) == 0  # safe to repeat
    statuses = dict(Event.objects.values_list("id", "status"))
    assert statuses == {finished.id: "done", running.id: "published", cancelled.id: "cancelled"}


def test_default_checkin_window_surrounds_the_event():
    event = EventFactory()
    opens, closes = event.checkin_window
    assert opens < event.starts_at and closes > event.ends_at


def test_changing_an_event_asks_for_its_tally(association):
    from stats.models import TallyMarker

    event = EventFactory(association=association)
    services.event_update(event=event, kind=Event.Kind.TRAINING)
    assert [marker.scope["event_id"] for marker in TallyMarker.objects.all()] == [event.id]


def test_events_marked_done_ask_for_their_tallies():
    from stats.models import TallyMarker

    now = timezone.now()
    finished = EventFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    services.events_mark_done(now=now)
    assert [marker.scope["event_id"] for marker in TallyMarker.objects.all()] == [finished.id]

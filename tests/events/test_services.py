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


# --- copying, cancelling, targets (the desk's plan pages) ----------------------------------------


def test_event_copy_to_several_villages_makes_one_draft_each_with_its_shifts_and_nothing_recorded(association):
    from tests.factories import CheckInFactory, ShiftFactory, SkillFactory
    from volunteers.models import Shift

    partner = OrganizationFactory(association=association)
    original = services.event_create(association=association, partners=[partner], **_event_fields(association))
    skill = SkillFactory()
    shift = ShiftFactory(event=original, starts_at=original.starts_at, ends_at=original.ends_at, capacity=4)
    shift.required_skills.set([skill])
    CheckInFactory(event=original)
    EventOutputFactory(event=original)
    villages = [VenueFactory(association=association) for _ in range(3)]
    later = original.starts_at + timedelta(days=7)

    copies = services.event_copy(event=original, venues=villages, starts_at=later)

    assert [c.venue for c in copies] == villages
    for copy in copies:
        assert copy.pk != original.pk and copy.status == Event.Status.DRAFT
        assert copy.starts_at == later and copy.ends_at == later + (original.ends_at - original.starts_at)
        assert list(copy.partners.all()) == [partner]
        assert not copy.checkins.exists() and not copy.outputs.exists()
        (copied_shift,) = Shift.objects.filter(event=copy)
        assert copied_shift.starts_at == later and copied_shift.capacity == 4 and copied_shift.taken == 0
        assert list(copied_shift.required_skills.all()) == [skill]


def test_event_copy_refuses_another_associations_venue_and_copies_nothing(association):
    original = services.event_create(association=association, **_event_fields(association))
    with pytest.raises(ValidationError):
        services.event_copy(event=original, venues=[VenueFactory(association=association), VenueFactory()])
    assert Event.objects.count() == 1


def test_event_copy_outside_its_campaign_is_refused(association):
    campaign = CampaignFactory(association=association)
    original = services.event_create(association=association, campaign=campaign, **_event_fields(association))
    with pytest.raises(ValidationError):
        services.event_copy(event=original, starts_at=timezone.make_aware(timezone.datetime(2090, 1, 1, 9)))


def test_event_cancel_keeps_the_event_and_says_so_once(association):
    event = services.event_create(association=association, **_event_fields(association, status="published"))
    services.event_cancel(event=event)
    services.event_cancel(event=event)
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED


def test_campaign_targets_set_adds_changes_and_removes(association):
    from decimal import Decimal

    from stats.models import CampaignTarget

    campaign = CampaignFactory(association=association)
    services.campaign_targets_set(campaign=campaign, targets={"events_held": Decimal(10), "coverage_pct": Decimal(50)})
    services.campaign_targets_set(campaign=campaign, targets={"events_held": Decimal(12), "coverage_pct": None})
    assert dict(CampaignTarget.objects.filter(campaign=campaign).values_list("figure", "target")) == {
        "events_held": Decimal(12)
    }
    with pytest.raises(ValidationError):
        services.campaign_targets_set(campaign=campaign, targets={"events_held": Decimal(0)})

"""Writes of the planning data. Every change to campaigns, events, venues and
organizations goes through these functions, which enforce the planning rules."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify_event_cancelled, notify_event_changed
from stats.models import CampaignTarget
from stats.services import tally_request

from .models import Association, Campaign, Event, EventOutput, Organization, Organizer, Venue


class InUse(Exception):
    """A delete refused because records depend on the object; nothing was deleted."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _local_date(moment) -> date:
    return timezone.localtime(moment).date()


def _check_same_association(association: Association | None, **related: Any) -> None:
    if association is None:  # not yet assigned (an admin form before save): checked on save
        return
    errors = {
        field: _("This belongs to another association.")
        for field, obj in related.items()
        if obj is not None and obj.association_id != association.id
    }
    if errors:
        raise ValidationError(errors)


def _association_or_none(obj: Campaign | Event) -> Association | None:
    return obj.association if obj.association_id else None


def campaign_validate(campaign: Campaign) -> None:
    """Raise ValidationError (per field) if the campaign breaks a planning rule."""
    if campaign.starts_on is None or campaign.ends_on is None:
        return  # a form with these fields missing reports that by itself
    if campaign.ends_on < campaign.starts_on:
        raise ValidationError({"ends_on": _("The end date must not be before the start date.")})
    _check_same_association(_association_or_none(campaign), lead_organization=campaign.lead_organization)
    if campaign.pk:
        # __date compares in the current time zone, the one organizers plan in.
        outside = campaign.events.exclude(status=Event.Status.CANCELLED).filter(
            Q(starts_at__date__lt=campaign.starts_on) | Q(ends_at__date__gt=campaign.ends_on)
        )
        if outside.exists():
            raise ValidationError(
                {
                    "starts_on": _("Some events of this campaign would fall outside the new period: %(events)s")
                    % {"events": "、".join(e.title for e in outside[:5])}
                }
            )


def event_validate(event: Event) -> None:
    """Raise ValidationError (per field) if the event breaks a planning rule."""
    if event.starts_at is None or event.ends_at is None:
        return  # a form with these fields missing reports that by itself
    errors: dict[str, str] = {}
    if event.ends_at <= event.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if event.checkin_opens_at and event.checkin_closes_at and event.checkin_closes_at <= event.checkin_opens_at:
        errors["checkin_closes_at"] = _("Check-in must close after it opens.")
    campaign = event.campaign
    if campaign and not errors:
        if _local_date(event.starts_at) < campaign.starts_on or _local_date(event.ends_at) > campaign.ends_on:
            errors["starts_at"] = _(
                "The event must take place within its campaign's period (%(start)s to %(end)s)."
            ) % {
                "start": campaign.starts_on,
                "end": campaign.ends_on,
            }
    if errors:
        raise ValidationError(errors)
    _check_same_association(
        _association_or_none(event), campaign=campaign, venue=event.venue if event.venue_id else None
    )


def organization_validate(organization: Organization) -> None:
    """Raise ValidationError on the name if the association already has an organization of that name.

    The unique constraint holds the rule; checked here first so that the API and the admin answer with
    a message on the field (a form or serializer without the association cannot check it itself).
    """
    if not organization.association_id or not organization.name:
        return
    taken = Organization.objects.filter(association_id=organization.association_id, name=organization.name)
    if taken.exclude(pk=organization.pk).exists():
        raise ValidationError(
            {"name": _("Your association already has an organization named “%(name)s”.") % {"name": organization.name}}
        )


@transaction.atomic
def campaign_create(*, association: Association, **fields: Any) -> Campaign:
    campaign = Campaign(association=association, **fields)
    campaign_validate(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, **fields: Any) -> Campaign:
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign_validate(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> None:
    if count := campaign.events.count():
        raise InUse(
            _("The campaign “%(name)s” has %(count)d events and cannot be deleted; close it instead.")
            % {"name": campaign.name, "count": count}
        )
    campaign.delete()


@transaction.atomic
def event_create(
    *, association: Association, partners: Iterable[Organization] = (), outputs: Iterable[dict] = (), **fields: Any
) -> Event:
    campaign = fields.get("campaign")
    if "is_countryside_trip" not in fields and campaign is not None:
        fields["is_countryside_trip"] = campaign.kind == Campaign.Kind.COUNTRYSIDE
    event = Event(association=association, **fields)
    event_validate(event)
    partners = list(partners)
    _check_partners(association, partners)
    event.save()
    event.partners.set(partners)
    for output in outputs:
        EventOutput.objects.create(event=event, **output)
    tally_request(event_id=event.id, association_id=association.id)
    return event


@transaction.atomic
def event_update(*, event: Event, partners: Iterable[Organization] | None = None, **fields: Any) -> Event:
    """Change an event. Cancelling goes through event_cancel, so everybody concerned is told."""
    if fields.get("status") == Event.Status.CANCELLED:
        fields.pop("status")
        if fields or partners is not None:
            event_update(event=event, partners=partners, **fields)
        return event_cancel(event=event)
    before = {name: getattr(event, name) for name in ("starts_at", "ends_at", "venue") if name in fields}
    for name, value in fields.items():
        setattr(event, name, value)
    event_validate(event)
    event.save()
    if event.status == Event.Status.PUBLISHED:
        notify_event_changed(event=event, changes={name: (old, getattr(event, name)) for name, old in before.items()})
    if partners is not None:
        partners = list(partners)
        _check_partners(event.association, partners)
        event.partners.set(partners)
    # Kind, place, time, partners and status are all figures' inputs. The tally run
    # recomputes the event's campaign and year; a campaign it left is recomputed nightly.
    tally_request(event_id=event.id, association_id=event.association_id)
    return event


def _check_partners(association: Association, partners: list[Organization]) -> None:
    if any(p.association_id != association.id for p in partners):
        raise ValidationError({"partners": _("This belongs to another association.")})


@transaction.atomic
def event_cancel(*, event: Event) -> Event:
    """Cancel an event. Its sign-ups, registrations and check-ins are kept."""
    was_cancelled = event.status == Event.Status.CANCELLED
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    if not was_cancelled:
        notify_event_cancelled(event=event)
        tally_request(event_id=event.id, association_id=event.association_id)  # no longer a held event
    return event


@transaction.atomic
def event_copy(
    *,
    event: Event,
    venues: Iterable[Venue] = (),
    starts_at: datetime | None = None,
    with_shifts: bool = True,
    status: str = Event.Status.DRAFT,
) -> list[Event]:
    """Copy an event, one copy per venue (the same venue when none is given): a 三下乡 trip taken to several
    villages in one step. Each copy keeps the kind, campaign, partners, audience, capacity and description,
    moves with its check-in window and shifts to `starts_at` (the original's time when None), and starts
    as a draft with nothing recorded: no registrations, check-ins, headcounts, outputs or sign-ups."""
    # Imported here: the volunteers' services build on the events' (a shift belongs to an event).
    from volunteers.services import shift_create

    venues = list(venues) or [event.venue]
    offset = (starts_at - event.starts_at) if starts_at is not None else timedelta(0)
    _check_same_association(event.association, **{f"venue_{i}": v for i, v in enumerate(venues)})
    partners = list(event.partners.all())
    shifts = list(event.shifts.prefetch_related("required_skills")) if with_shifts else []
    copies = []
    for venue in venues:
        copy = event_create(
            association=event.association,
            partners=partners,
            title=event.title,
            kind=event.kind,
            campaign=event.campaign,
            venue=venue,
            starts_at=event.starts_at + offset,
            ends_at=event.ends_at + offset,
            capacity=event.capacity,
            audience=event.audience,
            is_countryside_trip=event.is_countryside_trip,
            checkin_opens_at=event.checkin_opens_at + offset if event.checkin_opens_at else None,
            checkin_closes_at=event.checkin_closes_at + offset if event.checkin_closes_at else None,
            description=event.description,
            status=status,
        )
        for shift in shifts:
            shift_create(
                event=copy,
                required_skills=list(shift.required_skills.all()),
                role=shift.role,
                starts_at=shift.starts_at + offset,
                ends_at=shift.ends_at + offset,
                capacity=shift.capacity,
                expert_only=shift.expert_only,
                signup_deadline=shift.signup_deadline + offset if shift.signup_deadline else None,
            )
        copies.append(copy)
    return copies


@transaction.atomic
def campaign_targets_set(*, campaign: Campaign, targets: dict[str, Decimal | None]) -> None:
    """Set a campaign's targets, figure → target; an empty target removes that figure's."""
    for figure, target in targets.items():
        if figure not in CampaignTarget.Figure.values:
            raise ValidationError({figure: _("Unknown figure.")})
        if target is None:
            CampaignTarget.objects.filter(campaign=campaign, figure=figure).delete()
        elif target <= 0:
            raise ValidationError({figure: _("A target must be more than zero.")})
        else:
            CampaignTarget.objects.update_or_create(campaign=campaign, figure=figure, defaults={"target": target})


@transaction.atomic
def event_delete(*, event: Event) -> None:
    # Only a draft has never been seen by volunteers or attendees; anything
    # published is cancelled instead, so its records stay.
    if event.status != Event.Status.DRAFT:
        raise InUse(_("Only draft events can be deleted; cancel “%(title)s” instead.") % {"title": event.title})
    event.delete()


@transaction.atomic
def venue_delete(*, venue: Venue) -> None:
    if count := venue.events.count():
        raise InUse(
            _("The venue “%(name)s” has %(count)d events and cannot be deleted.") % {"name": venue.name, "count": count}
        )
    venue.delete()


@transaction.atomic
def organization_delete(*, organization: Organization) -> None:
    if organization.events.exists() or organization.led_campaigns.exists():
        raise InUse(
            _("“%(name)s” took part in events or leads a campaign and cannot be deleted.") % {"name": organization.name}
        )
    organization.delete()


@transaction.atomic
def organizer_create(*, association: Association, username: str, password: str, **user_fields: Any) -> Organizer:
    """An organizer account with the rights to use the admin of their association."""
    user = User.objects.create_user(username=username, password=password, is_staff=True, **user_fields)
    return Organizer.objects.create(user=user, association=association)


@transaction.atomic
def event_output_add(*, event: Event, **fields: Any) -> EventOutput:
    output = EventOutput.objects.create(event=event, **fields)
    tally_request(event_id=event.id)  # outputs are figures of the summary too
    return output


@transaction.atomic
def events_mark_done(*, now=None) -> int:
    """Mark published events that have ended as done, and ask for their tallies; returns how many changed.

    A conditional UPDATE per batch: safe to run twice or from two workers at once.
    """
    now = now or timezone.now()
    finished = list(
        Event.objects.filter(status=Event.Status.PUBLISHED, ends_at__lte=now).values_list("id", "association_id")
    )
    changed = Event.objects.filter(
        id__in=[event_id for event_id, _association_id in finished], status=Event.Status.PUBLISHED
    ).update(status=Event.Status.DONE, updated_at=now)
    for event_id, association_id in finished:
        tally_request(event_id=event_id, association_id=association_id)  # now an event that took place
    return changed

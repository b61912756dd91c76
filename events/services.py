"""Writes of the planning data. Every change to campaigns, events, venues and
organizations goes through these functions, which enforce the planning rules."""

import io
import secrets
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from stats.figures import TARGET_CHOICES
from stats.models import CampaignTarget
from stats.services import registry_request, tally_request

from .messages import notify_event_cancelled, notify_event_changed
from .models import (
    Association,
    Campaign,
    Event,
    EventEvidence,
    EventOutput,
    Organization,
    OrganizationMembership,
    OrganizationSupport,
    Organizer,
    Region,
    Venue,
)


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
    """Raise ValidationError (per field) for a name the association already gives another organization, or a
    dissolution before the founding.

    The unique constraint holds the rule; checked here first so that the API and the admin answer with
    a message on the field (a form or serializer without the association cannot check it itself).
    """
    errors = {}
    if organization.association_id and organization.name:
        taken = Organization.objects.filter(association_id=organization.association_id, name=organization.name)
        if taken.exclude(pk=organization.pk).exists():
            errors.update(organization_name_taken(organization.name).message_dict)
    if organization.founded_on and organization.dissolved_on and organization.dissolved_on <= organization.founded_on:
        errors["dissolved_on"] = [_("An organization is dissolved after it was founded.")]
    if errors:
        raise ValidationError(errors)


def organization_name_taken(name: str) -> ValidationError:
    return ValidationError(
        {"name": _("Your association already has an organization named “%(name)s”.") % {"name": name}}
    )


@contextmanager
def organization_name_race_refused(name: str) -> Iterator[None]:
    """Two requests with one new name can both pass organization_validate before either saves: the unique
    constraint then refuses the second, which must read as the same validation error, not a server error."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        if "organization_unique_name_in_association" not in str(error):
            raise
        raise organization_name_taken(name) from None


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
        if figure not in dict(TARGET_CHOICES):
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
def organization_save(organization: Organization, *, was: date | None = None) -> Organization:
    """Create or change an organization (its association already set): a name of its own in the association,
    dissolved after it was founded; the registry figures from its earliest date (`was`: its founding date
    before the change) on follow."""
    organization_validate(organization)
    organization.full_clean(validate_constraints=False, validate_unique=False)
    organization.save()
    organization_saved(organization)
    if was is not None:
        registry_request(association_id=organization.association_id, since=was)
    return organization


def organization_saved(organization: Organization) -> None:
    """An organization was created or changed: the registry figures from its earliest date on follow."""
    dates = [d for d in (organization.founded_on, organization.dissolved_on) if d is not None]
    registry_request(association_id=organization.association_id, since=min(dates) if dates else None)


@transaction.atomic
def organization_members_set(*, organization: Organization, year: int, members: int) -> OrganizationMembership:
    """The organization's members in a year: that year's entry is written (or corrected), the other years'
    stay as they were. The registry figures from that year on follow."""
    if organization.founded_on and year < organization.founded_on.year:
        raise ValidationError(
            {"year": _("The organization was founded in %(year)d.") % {"year": organization.founded_on.year}}
        )
    entry, _created = OrganizationMembership.objects.update_or_create(
        organization=organization, year=year, defaults={"members": members}
    )
    registry_request(association_id=organization.association_id, since=date(year, 1, 1))
    return entry


@transaction.atomic
def organization_support_add(
    *, organization: Organization, kind: str, date: date, note: str = ""
) -> OrganizationSupport:
    """A dated record of what the association did for the organization (a charter, training its leaders…)."""
    support = OrganizationSupport(organization=organization, kind=kind, date=date, note=note)
    support.full_clean()
    support.save()
    registry_request(association_id=organization.association_id, since=date)
    return support


@transaction.atomic
def organizer_create(
    *,
    association: Association,
    username: str,
    password: str,
    town: Region | None = None,
    organization: Organization | None = None,
    **user_fields: Any,
) -> Organizer:
    """An organizer account. One of the whole association may use its admin; one limited to a township or
    a partner organization (kepu/access.py) works on the desk only."""
    organizer = Organizer(association=association, town=town, organization=organization)
    organizer.clean()  # the township of the county, the organization of the association
    scoped = town is not None or organization is not None
    organizer.user = User.objects.create_user(username=username, password=password, is_staff=not scoped, **user_fields)
    organizer.save()
    return organizer


def event_output_validate(output: EventOutput) -> None:
    """Raise ValidationError (per field) for an unknown kind or a negative or missing quantity."""
    errors = {}
    if output.kind not in EventOutput.Kind.values:
        errors["kind"] = _("Choose what the event produced.")
    if output.quantity is None:
        errors["quantity"] = _("Enter a quantity.")
    elif output.quantity < 0:
        errors["quantity"] = _("The quantity cannot be negative.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_output_add(*, event: Event, **fields: Any) -> EventOutput:
    output = EventOutput(event=event, **fields)
    event_output_validate(output)
    output.save()
    tally_request(event_id=event.id)  # outputs are figures of the summary too
    return output


@transaction.atomic
def event_output_update(*, output: EventOutput, **fields: Any) -> EventOutput:
    """Change an output's kind, quantity or note; the event's figures are tallied again."""
    for name, value in fields.items():
        if name not in ("kind", "quantity", "note"):
            raise TypeError(f"an output's {name} is not changed here")
        setattr(output, name, value)
    event_output_validate(output)
    output.save()
    tally_request(event_id=output.event_id)
    return output


@transaction.atomic
def event_output_delete(*, output: EventOutput) -> None:
    event_id = output.event_id
    output.delete()
    tally_request(event_id=event_id)


# --- evidence: photos and scanned sign-in sheets -------------------------------------------------
#
# What a file is, is read from its content (Pillow for images, the PDF signature), never from its name
# or the browser's content type: a renamed file is refused as what it really is. Images are decoded
# whole before anything is stored, so a truncated or crafted file is refused, and the decompression-bomb
# guard (Pillow's MAX_IMAGE_PIXELS) refuses images whose pixels would not fit in memory.

EVIDENCE_IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
EVIDENCE_PDF = ("application/pdf", "pdf")
THUMBNAIL_SIZE = (320, 320)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def _evidence_kind_of(data: bytes) -> tuple[str, str, bytes | None]:
    """(content type, extension, thumbnail JPEG or None) of an upload's bytes; ValidationError if it is
    neither an image Kepu keeps nor a PDF."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError({"file": _("The PDF file is incomplete or damaged.")})
        return (*EVIDENCE_PDF, None)
    refused = ValidationError({"file": _("This file is not a photo (JPEG, PNG, WebP) or a PDF, or it is damaged.")})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                probe.verify()  # the file's structure, before decoding it
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()  # every pixel: a truncated file fails here
                image = ImageOps.exif_transpose(opened)  # phones store portraits turned
                image = image.convert("RGB")
                image.thumbnail(THUMBNAIL_SIZE)
                thumbnail = io.BytesIO()
                image.save(thumbnail, "JPEG", quality=80)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise refused from None
    if image_format not in EVIDENCE_IMAGE_FORMATS:
        raise refused
    return (*EVIDENCE_IMAGE_FORMATS[image_format], thumbnail.getvalue())


@transaction.atomic
def evidence_add(
    *, event: Event, file, kind: str = EventEvidence.Kind.PHOTO, caption: str = "", uploaded_by=None
) -> EventEvidence:
    """Keep a photo or a scanned sheet (an image or a PDF) with the event, with a thumbnail of an image.

    `file` is an uploaded file (or any file object with .size and .read()). Refused with a message, and
    nothing stored, when it is larger than settings.EVIDENCE_MAX_BYTES or is not an image or PDF."""
    limit = settings.EVIDENCE_MAX_BYTES
    if kind not in EventEvidence.Kind.values:
        raise ValidationError({"kind": _("Choose what the file shows.")})
    size = getattr(file, "size", None)
    if size is not None and size > limit:  # refused before it is read
        raise ValidationError(
            {
                "file": _("The file is too large (%(size)s MB); at most %(max)s MB.")
                % {"size": f"{size / (1024 * 1024):.1f}", "max": _megabytes(limit)}
            }
        )
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": _("The file is too large; at most %(max)s MB.") % {"max": _megabytes(limit)}})
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    content_type, extension, thumbnail = _evidence_kind_of(data)
    token = secrets.token_hex(8)
    evidence = EventEvidence(
        event=event,
        kind=kind,
        caption=(caption or "").strip()[:200],
        content_type=content_type,
        size=len(data),
        uploaded_by=uploaded_by,
    )
    evidence.file.save(f"{token}.{extension}", ContentFile(data), save=False)
    if thumbnail is not None:
        evidence.thumbnail.save(f"{token}-thumb.jpg", ContentFile(thumbnail), save=False)
    try:
        evidence.save()
    except Exception:
        _delete_files(evidence)
        raise
    return evidence


def _delete_files(evidence: EventEvidence) -> None:
    for field in (evidence.file, evidence.thumbnail):
        if field.name:  # a FieldFile without a name is no file
            field.storage.delete(field.name)


@transaction.atomic
def evidence_delete(*, evidence: EventEvidence) -> None:
    """Remove the evidence and its files (once the deletion is committed)."""
    names = [(f.storage, f.name) for f in (evidence.file, evidence.thumbnail) if f.name]

    def delete_files() -> None:
        for storage, name in names:
            storage.delete(name)

    evidence.delete()
    transaction.on_commit(delete_files)


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

"""Campaign planning: the county, its organizations and venues, campaigns and events.

Every planned thing belongs to an Association (a county 科協), so one
installation can host a prefecture's counties side by side.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# How long before the start and after the end a scanner accepts check-ins when
# the organizer set no window: people arrive early and the register desk
# closes a little after the programme ends.
DEFAULT_CHECKIN_OPENS_BEFORE = timedelta(hours=1)
DEFAULT_CHECKIN_CLOSES_AFTER = timedelta(minutes=30)


# The years Kepu plans and counts. A date far outside them is a typing slip, and one before 1901 is
# written with the zone's local mean time (+08:05:43), which is no RFC 3339 offset an API client reads.
YEAR_MIN, YEAR_MAX = 2000, 2100


def within_kepus_years(value) -> None:
    """Refuse a date or time outside YEAR_MIN…YEAR_MAX, in the form or serializer that took it."""
    if value is not None and not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValidationError(
            _("Enter a date between %(min)d and %(max)d."),
            code="out_of_range",
            params={"min": YEAR_MIN, "max": YEAR_MAX},
        )


def within_kepus_years_or_before(value) -> None:
    """A founding date: long before Kepu's years is fine (a society of 1985), after them a slip."""
    if value is not None and not 1900 <= value.year <= YEAR_MAX:
        raise ValidationError(
            _("Enter a date between %(min)d and %(max)d."),
            code="out_of_range",
            params={"min": 1900, "max": YEAR_MAX},
        )


class Region(models.Model):
    """A node of the administrative tree: prefecture → county → town → village/community."""

    class Level(models.TextChoices):
        PREFECTURE = "prefecture", _("Prefecture")
        COUNTY = "county", _("County")
        TOWN = "town", _("Town")
        VILLAGE = "village", _("Village")
        COMMUNITY = "community", _("Community")

    # The levels where people live; coverage is measured over these.
    GRASSROOTS_LEVELS = (Level.VILLAGE, Level.COMMUNITY)

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("administrative code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class CountyEnrolment(models.Model):
    """Primary and secondary pupils enrolled in a county in a year: the base of the student participation rate."""

    county = models.ForeignKey(
        Region,
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="enrolments",
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    year = models.PositiveSmallIntegerField(_("year"))
    students = models.PositiveIntegerField(_("students enrolled"))

    class Meta:
        verbose_name = _("county enrolment")
        verbose_name_plural = _("county enrolments")
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="enrolment_one_per_county_year")]

    def __str__(self) -> str:
        return f"{self.county} {self.year}: {self.students}"


class Association(models.Model):
    """A science and technology association (科協) that owns its plans, venues and organizers.

    A prefecture association has its counties' associations as children and
    may read their data.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="associations")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent association"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organizer(models.Model):
    """A staff member of an association. Without a `town` or an `organization` they plan and see
    everything of it; with one, only a part of it (kepu/access.py says which part):

    - a *township organizer* (`town`): the events whose venue lies in that town of the county;
    - a *partner account* (`organization`): the events that organization co-organizes.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="organizer"
    )
    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="organizers"
    )
    town = models.ForeignKey(
        Region,
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="township_organizers",
        limit_choices_to={"level": Region.Level.TOWN},
        help_text=_("Leave empty for the whole association; set to limit the account to one township's events."),
    )
    organization = models.ForeignKey(
        "Organization",
        verbose_name=_("partner organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_accounts",
        help_text=_("Set to limit the account to the events this organization co-organizes."),
    )

    class Meta:
        verbose_name = _("organizer")
        verbose_name_plural = _("organizers")
        constraints = [
            models.CheckConstraint(
                condition=Q(town__isnull=True) | Q(organization__isnull=True),
                name="organizer_town_or_organization",
                violation_error_message=_("An organizer is scoped to a township or to a partner, not both."),
            ),
        ]

    def __str__(self) -> str:
        scope = self.town or self.organization
        return f"{self.user} ({self.association} · {scope})" if scope else f"{self.user} ({self.association})"

    @property
    def is_scoped(self) -> bool:
        """Whether the account holds only a part of its association (a township or a partner)."""
        return self.town_id is not None or self.organization_id is not None

    def clean(self) -> None:
        super().clean()
        if self.town_id is not None and self.organization_id is not None:
            raise ValidationError(_("An organizer is scoped to a township or to a partner, not both."))
        town, organization = self.town, self.organization
        if town is not None and self.association_id is not None:
            if town.level != Region.Level.TOWN or town.parent_id != self.association.region_id:
                raise ValidationError(
                    {"town": _("Choose a township of the association's county.")}, code="town_outside_county"
                )
        if organization is not None and self.association_id is not None:
            if organization.association_id != self.association_id:
                raise ValidationError(
                    {"organization": _("Choose an organization of the organizer's association.")},
                    code="organization_outside_association",
                )


class Organization(models.Model):
    """A unit that takes part in events: department, society, rural technical association, school…"""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Government department")
        SOCIETY = "society", _("Society")
        RURAL_TECH_ASSOCIATION = "rural_tech", _("Rural professional technical association")
        ENTERPRISE_ASSOCIATION = "enterprise_assoc", _("Enterprise science association")
        SCHOOL = "school", _("School")
        ENTERPRISE = "enterprise", _("Enterprise")
        OTHER = "other", _("Other")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="organizations"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    founded_on = models.DateField(_("founded on"), null=True, blank=True, validators=[within_kepus_years_or_before])
    # The first day it no longer exists (deregistered, merged): the figures count it up to the day before.
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True, validators=[within_kepus_years])
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="organizations"
    )

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["association", "name"], name="organization_unique_name_in_association"),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(founded_on__isnull=True)
                | Q(dissolved_on__gt=F("founded_on")),
                name="organization_dissolved_after_founded",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganizationMembership(models.Model):
    """An organization's members in one year: a yearly entry, never one number overwritten, so that the
    figures of a past year read that year's members (stats.figures, docs/figures.md)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="memberships"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(YEAR_MAX)]
    )
    members = models.PositiveIntegerField(_("members"))

    class Meta:
        verbose_name = _("members in a year")
        verbose_name_plural = _("members by year")
        ordering = ["organization", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="membership_one_per_organization_year")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}: {self.members}"


class OrganizationSupport(models.Model):
    """What the association did for an organization, on a date: its charter, training its leaders, bringing
    it into an information network…"""

    class Kind(models.TextChoices):
        CHARTER = "charter", _("Charter drawn up")
        LEADER_TRAINING = "leader_training", _("Leaders trained")
        INFO_NETWORK = "info_network", _("Joined an information network")
        FUNDING = "funding", _("Funds or equipment")
        OTHER = "other", _("Other support")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="supports"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"), validators=[within_kepus_years])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("support given")
        verbose_name_plural = _("support given")
        ordering = ["-date", "id"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_kind_display()} {self.date}"


class Venue(models.Model):
    class Kind(models.TextChoices):
        SCIENCE_CENTER = "science_center", _("Science center")
        SCHOOL = "school", _("School")
        SQUARE = "square", _("Square")
        LIBRARY = "library", _("Library")
        STATION = "station", _("Station")
        VILLAGE_HALL = "village_hall", _("Village hall")
        FARM = "farm", _("Farm or demonstration base")
        OTHER = "other", _("Other")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="venues"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="venues")
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The validators say what the check constraints below hold, so forms and serializers refuse with a message.
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="venue_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="venue_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A named drive over a period: a science week, a 三下鄉 season, a training series…"""

    class Kind(models.TextChoices):
        SCIENCE_WEEK = "science_week", _("Science and technology week")
        SCIENCE_DRIVE = "science_drive", _("Science popularization drive")
        THEMED = "themed", _("Themed campaign")
        COUNTRYSIDE = "countryside", _("Three to the countryside")
        TRAINING_SERIES = "training_series", _("Training series")
        CONSULTATION_DRIVE = "consultation_drive", _("Consultation drive")
        YOUTH = "youth", _("Youth programme")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="campaigns"
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("starts on"), validators=[within_kepus_years])
    ends_on = models.DateField(_("ends on"), validators=[within_kepus_years])
    lead_organization = models.ForeignKey(
        Organization,
        verbose_name=_("lead organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_campaigns",
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """One happening at one venue and time."""

    class Kind(models.TextChoices):
        LECTURE = "lecture", _("Lecture")
        TRAINING = "training", _("Training class")
        CONSULTATION = "consultation", _("Consultation")
        EXHIBITION = "exhibition", _("Exhibition")
        SITE_VISIT = "site_visit", _("Site visit")
        COMPETITION = "competition", _("Competition")
        BROADCAST = "broadcast", _("Broadcast")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Done")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("General public")
        FARMERS = "farmers", _("Farmers")
        STUDENTS = "students", _("Students")
        RESIDENTS = "residents", _("Residents")
        CADRES = "cadres", _("Cadres")
        TEACHERS = "teachers", _("Teachers")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="events"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="events")
    starts_at = models.DateTimeField(_("starts at"), validators=[within_kepus_years])
    ends_at = models.DateTimeField(_("ends at"), validators=[within_kepus_years])
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    partners = models.ManyToManyField(
        Organization, verbose_name=_("partner organizations"), blank=True, related_name="events"
    )
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    is_countryside_trip = models.BooleanField(
        _("countryside trip"),
        default=False,
        help_text=_("Takes experts out to towns and villages (three to the countryside)."),
    )
    # Empty means the default window around the event's time (see checkin_window).
    checkin_opens_at = models.DateTimeField(
        _("check-in opens at"), null=True, blank=True, validators=[within_kepus_years]
    )
    checkin_closes_at = models.DateTimeField(
        _("check-in closes at"), null=True, blank=True, validators=[within_kepus_years]
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Who did it: the township whose organizer planned the event (None: the county's own). The summary's
    # by-town table tells the two apart; access follows the venue, not this.
    township = models.ForeignKey(
        Region,
        verbose_name=_("planned by township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="township_events",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "title"]
        indexes = [models.Index(fields=["association", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(checkin_opens_at__isnull=True)
                | Q(checkin_closes_at__isnull=True)
                | Q(checkin_closes_at__gt=F("checkin_opens_at")),
                name="event_checkin_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def checkin_window(self) -> tuple:
        opens = self.checkin_opens_at or self.starts_at - DEFAULT_CHECKIN_OPENS_BEFORE
        closes = self.checkin_closes_at or self.ends_at + DEFAULT_CHECKIN_CLOSES_AFTER
        return opens, closes


class EventOutput(models.Model):
    """Counted things an event produced: materials handed out, boards shown, reports written…"""

    class Kind(models.TextChoices):
        MATERIALS = "materials", _("Materials handed out (copies)")
        DISPLAY_BOARDS = "display_boards", _("Display boards")
        EXHIBITIONS = "exhibitions", _("Exhibitions (times)")
        BROADCASTS = "broadcasts", _("Broadcasts (times)")
        BROADCAST_HOURS = "broadcast_hours", _("Broadcast hours")
        NEWS_REPORTS = "news_reports", _("News reports")
        NEW_VARIETIES = "new_varieties", _("New varieties introduced")
        NEW_TECHNIQUES = "new_techniques", _("New techniques introduced")
        OTHER = "other", _("Other")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="outputs")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=1)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("output")
        verbose_name_plural = _("outputs")
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=0), name="output_quantity_not_negative")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.quantity}"


def evidence_path(instance: "EventEvidence", filename: str) -> str:
    """evidence/<association>/<year>/<event>/<file>: an association's yearly files (台账) event by event.

    The file's own name is chosen by the service (a random token and the extension of what the content
    is), never the uploader's: a name says nothing about the person and cannot collide."""
    event = instance.event
    return f"evidence/{event.association_id}/{event.starts_at.year}/{event.id}/{filename}"


class EventEvidence(models.Model):
    """A photo or a scanned sign-in sheet kept with an event: what the yearly files show for its figures.

    Stored under MEDIA_ROOT but never served from it: the desk serves the file to those who read the
    event (kepu.access), so nothing uploaded is public."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        SIGN_IN_SHEET = "sign_in_sheet", _("Scanned sign-in sheet")
        OTHER = "other", _("Other")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PHOTO)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    # A small JPEG of an image (none for a PDF), shown on the desk and the dashboard's records.
    thumbnail = models.FileField(_("thumbnail"), upload_to=evidence_path, max_length=255, blank=True)
    content_type = models.CharField(pgettext_lazy("evidence", "content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        # A context: the statistics' "evidence" (scanned, by hand, estimated) is another word in Chinese.
        verbose_name = pgettext_lazy("photos and sheets", "evidence")
        verbose_name_plural = pgettext_lazy("photos and sheets", "evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.event} · {self.get_kind_display()} {self.caption}".strip()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

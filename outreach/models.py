"""The association's year beyond its events: the register of science-popularization sites (科普阵地).

A site is a science window (科普橱窗), a gallery, a bulletin board, a village reading room with its books,
a farmers' technical school, an activity centre, a 科普e站…, in a town or village, with the day it was
built, the days it was repaired and the day it was retired. The figures of any year (stats.figures,
docs/figures.md) are read from these dates, so a past year's summary says what stood that year.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from events.models import YEAR_MAX, Association, Region, within_kepus_years, within_kepus_years_or_before


class Site(models.Model):
    class Kind(models.TextChoices):
        WINDOW = "window", _("Science window")
        GALLERY = "gallery", _("Science gallery")
        BOARD = "board", _("Bulletin board")
        READING_ROOM = "reading_room", _("Reading room")
        FARMERS_SCHOOL = "farmers_school", _("Farmers' technical school")
        ACTIVITY_CENTRE = "activity_centre", _("Science activity centre")
        E_STATION = "e_station", _("Science e-station")
        OTHER = "other", _("Other site")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="sites"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The county itself for a county-level site (县级画廊), else its town or village.
    region = models.ForeignKey(
        Region, verbose_name=_("town or village"), on_delete=models.PROTECT, related_name="sites"
    )
    built_on = models.DateField(
        _("built on"), null=True, blank=True, validators=[within_kepus_years_or_before], help_text=_("Empty: long ago.")
    )
    # The first day it is gone (taken down, closed): counted up to the day before.
    retired_on = models.DateField(_("retired on"), null=True, blank=True, validators=[within_kepus_years])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("science popularization site")
        verbose_name_plural = _("science popularization sites")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["association", "name"], name="site_unique_name_in_association"),
            models.CheckConstraint(
                condition=Q(retired_on__isnull=True) | Q(built_on__isnull=True) | Q(retired_on__gt=F("built_on")),
                name="site_retired_after_built",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SiteRepair(models.Model):
    """A repair or renovation of a site, on a date: a site repaired this year is not a new one."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="repairs")
    repaired_on = models.DateField(_("repaired on"), validators=[within_kepus_years])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("repair")
        verbose_name_plural = _("repairs")
        ordering = ["-repaired_on", "id"]

    def __str__(self) -> str:
        return f"{self.site} {self.repaired_on}"


class SiteBooks(models.Model):
    """The books a reading room (or a school, a centre) holds in a year: a yearly entry, like members."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="book_counts")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(YEAR_MAX)]
    )
    books = models.PositiveIntegerField(_("books"))

    class Meta:
        verbose_name = _("books in a year")
        verbose_name_plural = _("books by year")
        ordering = ["site", "-year"]
        constraints = [models.UniqueConstraint(fields=["site", "year"], name="site_books_one_per_year")]

    def __str__(self) -> str:
        return f"{self.site} {self.year}: {self.books}"


# --- media and contests (issue 14 items 4 and 5) ---------------------------------------------------
# A column or programme (a TV column, a newspaper page, an account) with its episodes or posts, the
# news reports about the association's work, and the contests and reviews with their entries and
# prizes. The year's figures are read from the dates: an episode's air date, a report's publication
# date, a contest's date (stats.figures, docs/figures.md).

PRIZE_LEVELS = [
    ("county", _("County level")),
    ("prefecture", _("Prefecture level")),
    ("province", _("Province level")),
    ("national", _("National level")),
]


class MediaColumn(models.Model):
    class Kind(models.TextChoices):
        TV = "tv", _("TV column")
        RADIO = "radio", _("Radio programme")
        NEWSPAPER = "newspaper", _("Newspaper page")
        ONLINE = "online", _("Online account")
        OTHER = "other", _("Other column")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="media_columns"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("The column's name, e.g. 科普之窗."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    outlet = models.CharField(_("outlet"), max_length=100, blank=True, help_text=_("e.g. 县电视台, 县报."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("media column")
        verbose_name_plural = _("media columns")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["association", "name"], name="media_column_unique_name_in_association")
        ]

    def __str__(self) -> str:
        return self.name


class MediaEpisode(models.Model):
    """One episode aired or one post or page published, on a date; minutes on air (0 for print)."""

    column = models.ForeignKey(MediaColumn, verbose_name=_("column"), on_delete=models.CASCADE, related_name="episodes")
    aired_on = models.DateField(_("aired on"), validators=[within_kepus_years])
    title = models.CharField(_("title"), max_length=200)
    minutes = models.PositiveIntegerField(_("minutes on air"), default=0, validators=[MaxValueValidator(24 * 60)])

    class Meta:
        verbose_name = _("episode")
        verbose_name_plural = _("episodes")
        ordering = ["-aired_on", "id"]

    def __str__(self) -> str:
        return f"{self.column} {self.aired_on} {self.title}"


class NewsReport(models.Model):
    """A news report on the association's work, published in an outlet on a date."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="news_reports"
    )
    published_on = models.DateField(_("published on"), validators=[within_kepus_years])
    title = models.CharField(_("title"), max_length=200)
    outlet = models.CharField(_("outlet"), max_length=100, help_text=_("e.g. 县电视台, 州日报."))
    level = models.CharField(_("level"), max_length=20, choices=PRIZE_LEVELS, default="county")

    class Meta:
        verbose_name = _("news report")
        verbose_name_plural = _("news reports")
        ordering = ["-published_on", "id"]

    def __str__(self) -> str:
        return self.title


class Contest(models.Model):
    """A contest or review the association held or sent entries to: 青少年科技创新大赛, 作品展, 论文评选."""

    class Kind(models.TextChoices):
        INNOVATION = "innovation", _("Youth science and technology innovation contest")
        EXHIBITION = "exhibition", _("Works exhibition")
        PAPERS = "papers", _("Paper review")
        OTHER = "other", _("Other contest")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="contests"
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("held on"), validators=[within_kepus_years])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("contest or review")
        verbose_name_plural = _("contests and reviews")
        ordering = ["-held_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["association", "name", "held_on"], name="contest_unique_in_association")
        ]

    def __str__(self) -> str:
        return self.name


class ContestEntry(models.Model):
    """An entry: a person or a team, their school, the work's title, and its prize if it won one."""

    class Award(models.TextChoices):
        FIRST = "first", _("First prize")
        SECOND = "second", _("Second prize")
        THIRD = "third", _("Third prize")
        EXCELLENCE = "excellence", _("Excellence award")

    contest = models.ForeignKey(Contest, verbose_name=_("contest"), on_delete=models.CASCADE, related_name="entries")
    entrant = models.CharField(_("person or team"), max_length=100)
    school = models.CharField(_("school"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=200)
    # How many primary and secondary pupils the entry names (a team's members; 0 for a teacher's paper).
    pupils = models.PositiveSmallIntegerField(
        _("pupils"), default=1, validators=[MaxValueValidator(50)], help_text=_("0 for a teacher's or an adult's.")
    )
    award = models.CharField(_("prize"), max_length=20, choices=Award.choices, blank=True)
    award_level = models.CharField(_("prize level"), max_length=20, choices=PRIZE_LEVELS, blank=True)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["contest", "school", "entrant"]
        constraints = [
            models.CheckConstraint(
                condition=Q(award="", award_level="") | (~Q(award="") & ~Q(award_level="")),
                name="contest_entry_prize_has_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entrant}: {self.title}"


# --- issue 14 item 3: demonstration bases, parks and projects ------------------------------------


class DemonstrationBase(models.Model):
    """A demonstration base, park or project (示范基地、示范园、示范项目) of the association: where it is,
    who runs it with the association (events.Organization), and its results year by year (BaseYear)."""

    class Kind(models.TextChoices):
        BASE = "base", _("Demonstration base")
        PARK = "park", _("Demonstration park")
        PROJECT = "project", _("Demonstration project")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="demonstration_bases"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BASE)
    region = models.ForeignKey(
        Region, verbose_name=_("town or village"), on_delete=models.PROTECT, related_name="demonstration_bases"
    )
    partners = models.ManyToManyField(
        "events.Organization", verbose_name=_("partner institutes or companies"), blank=True, related_name="bases"
    )
    # The trainings (and other events) held there: the year's are counted from their dates.
    events = models.ManyToManyField(
        "events.Event", verbose_name=_("events held there"), blank=True, related_name="demonstration_bases"
    )
    established_on = models.DateField(
        _("established on"),
        null=True,
        blank=True,
        validators=[within_kepus_years_or_before],
        help_text=_("Empty: long ago."),
    )
    # The first day it is no longer a demonstration base (closed, project ended): counted up to the day before.
    closed_on = models.DateField(_("closed on"), null=True, blank=True, validators=[within_kepus_years])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("demonstration base")
        verbose_name_plural = _("demonstration bases")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["association", "name"], name="base_unique_name_in_association"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(established_on__isnull=True)
                | Q(closed_on__gt=F("established_on")),
                name="base_closed_after_established",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BaseYear(models.Model):
    """A base's results in a year: varieties and techniques introduced, households reached (one entry a year)."""

    base = models.ForeignKey(
        DemonstrationBase, verbose_name=_("demonstration base"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(YEAR_MAX)]
    )
    varieties = models.PositiveIntegerField(_("varieties introduced"), default=0)
    techniques = models.PositiveIntegerField(_("techniques introduced"), default=0)
    households = models.PositiveIntegerField(_("households reached"), default=0)

    class Meta:
        verbose_name = _("results of a year")
        verbose_name_plural = _("results by year")
        ordering = ["base", "-year"]
        constraints = [models.UniqueConstraint(fields=["base", "year"], name="base_year_one_per_year")]

    def __str__(self) -> str:
        return f"{self.base} {self.year}"


# --- issue 14 item 6: funding ---------------------------------------------------------------------


def funding_document_path(instance: "FundingRecord", filename: str) -> str:
    """funding/<association>/<year>/<file>: the name is chosen by the service (a random token)."""
    return f"funding/{instance.association_id}/{instance.date.year}/{filename}"


class FundingRecord(models.Model):
    """Money in (by source) or out (by use) on a date, with its document (a scanned allocation letter,
    an invoice…). The document is kept under MEDIA_ROOT but served only by outreach.views, to those who
    read the association's records (kepu.access), like events.EventEvidence."""

    class Direction(models.TextChoices):
        INCOME = "income", _("Income")
        SPENDING = "spending", _("Spending")

    class Source(models.TextChoices):
        GOVERNMENT = "government", _("Government allocation")
        DONATION = "donation", _("Donations")
        OWN = "own", _("Own funds")
        OTHER = "other", _("Other income")

    class Use(models.TextChoices):
        ACTIVITIES = "activities", _("Activities")
        SITES = "sites", _("Sites and bases")
        TRAINING = "training", _("Training")
        OTHER = "other", _("Other spending")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="funding"
    )
    date = models.DateField(_("date"), validators=[within_kepus_years])
    direction = models.CharField(_("income or spending"), max_length=10, choices=Direction.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    use = models.CharField(_("use"), max_length=20, choices=Use.choices, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.CharField(_("note"), max_length=200, blank=True)
    document = models.FileField(_("document"), upload_to=funding_document_path, max_length=255, blank=True)
    document_type = models.CharField(_("document type"), max_length=50, blank=True)
    document_size = models.PositiveIntegerField(_("document size (bytes)"), null=True, blank=True)
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("funding record")
        verbose_name_plural = _("funding records")
        ordering = ["-date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(direction="income") & ~Q(source="") & Q(use=""))
                | (Q(direction="spending") & Q(source="") & ~Q(use="")),
                name="funding_income_has_source_spending_has_use",
            ),
        ]

    def __str__(self) -> str:
        key = self.get_source_display() if self.direction == self.Direction.INCOME else self.get_use_display()
        return f"{self.date} {key} {self.amount}"

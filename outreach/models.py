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

"""Reads of the association's registers for the organizer's pages (desk/views/registers.py): which records
a year's list shows, and what the year counts on the registers' home.

A record with a life (an organization, a site, a base) is on a year's list when it stood at some time in
the year: begun by the year's end (or long ago) and not gone by its first day, so a site retired in March
is still on that year's list. The year's counts follow the figures' own rule (stats.figures.standing_at,
docs/figures.md): what stands at the year's end, what was new, repaired or entered within the year.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum

from events.models import Organization, OrganizationMembership, Region
from stats.figures import standing_at

from .models import (
    BaseYear,
    Contest,
    ContestEntry,
    DemonstrationBase,
    FundingRecord,
    MediaEpisode,
    NewsReport,
    Site,
    SiteBooks,
    SiteRepair,
)


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def existing_in_year(year: int, *, born: str, gone: str) -> Q:
    """Records that stood at some time in the year: begun by its end (or with no date) and not gone by its
    first day (`gone` is the first day without them)."""
    first, last = year_bounds(year)
    return (Q(**{f"{born}__isnull": True}) | Q(**{f"{born}__lte": last})) & (
        Q(**{f"{gone}__isnull": True}) | Q(**{f"{gone}__gt": first})
    )


def in_town(town: Region) -> Q:
    """Records whose region is the town or one of its villages."""
    return Q(region=town) | Q(region__parent=town)


# --- each register's list for a year -----------------------------------------------------------


def organizations_of_year(organizations: QuerySet[Organization], year: int) -> QuerySet[Organization]:
    """The organizations that stood in the year, with that year's members (its entry, else the latest before)."""
    latest = (
        OrganizationMembership.objects.filter(organization=OuterRef("pk"), year__lte=year)
        .order_by("-year")
        .values("members")[:1]
    )
    return organizations.filter(existing_in_year(year, born="founded_on", gone="dissolved_on")).annotate(
        year_members=Subquery(latest)
    )


def sites_of_year(sites: QuerySet[Site], year: int) -> QuerySet[Site]:
    """The sites that stood in the year, with that year's books and whether they were repaired in it."""
    first, last = year_bounds(year)
    books = SiteBooks.objects.filter(site=OuterRef("pk"), year__lte=year).order_by("-year").values("books")[:1]
    repaired = SiteRepair.objects.filter(site=OuterRef("pk"), repaired_on__gte=first, repaired_on__lte=last)
    return sites.filter(existing_in_year(year, born="built_on", gone="retired_on")).annotate(
        year_books=Subquery(books), repaired_in_year=Exists(repaired)
    )


def bases_of_year(bases: QuerySet[DemonstrationBase], year: int) -> QuerySet[DemonstrationBase]:
    """The bases that ran in the year, with that year's households reached (0 when none was entered)."""
    households = BaseYear.objects.filter(base=OuterRef("pk"), year=year).values("households")[:1]
    return bases.filter(existing_in_year(year, born="established_on", gone="closed_on")).annotate(
        year_households=Subquery(households)
    )


def columns_of_year(columns: QuerySet, year: int) -> QuerySet:
    """Every column, with the episodes it aired in the year and their minutes on air."""
    first, last = year_bounds(year)
    aired = Q(episodes__aired_on__gte=first, episodes__aired_on__lte=last)
    return columns.annotate(
        year_episodes=Count("episodes", filter=aired), year_minutes=Sum("episodes__minutes", filter=aired)
    ).order_by("kind", "name")


def reports_of_year(reports: QuerySet[NewsReport], year: int) -> QuerySet[NewsReport]:
    return reports.filter(published_on__year=year)


def contests_of_year(contests: QuerySet[Contest], year: int) -> QuerySet[Contest]:
    """The contests held in the year, with their entries, pupils and prizes."""
    return (
        contests.filter(held_on__year=year)
        .annotate(
            entry_count=Count("entries"),
            pupil_count=Sum("entries__pupils"),
            prize_count=Count("entries", filter=~Q(entries__award="")),
        )
        .order_by("-held_on", "name")
    )  # Meta.ordering is dropped from GROUP BY queries


def funding_of_year(records: QuerySet[FundingRecord], year: int) -> QuerySet[FundingRecord]:
    return records.filter(date__year=year)


@dataclass(frozen=True)
class FundingTotals:
    income: Decimal
    spending: Decimal
    by_source: dict[str, Decimal]  # FundingRecord.Source value → amount
    by_use: dict[str, Decimal]  # FundingRecord.Use value → amount


def funding_totals(records: QuerySet[FundingRecord]) -> FundingTotals:
    """The records' income by source and spending by use (the year's funding figures, before rounding)."""
    rows = records.order_by().values("direction", "source", "use").annotate(total=Sum("amount"))
    by_source: dict[str, Decimal] = {}
    by_use: dict[str, Decimal] = {}
    for row in rows:
        if row["direction"] == FundingRecord.Direction.INCOME:
            by_source[row["source"]] = by_source.get(row["source"], Decimal(0)) + row["total"]
        else:
            by_use[row["use"]] = by_use.get(row["use"], Decimal(0)) + row["total"]
    return FundingTotals(
        income=sum(by_source.values(), Decimal(0)),
        spending=sum(by_use.values(), Decimal(0)),
        by_source=by_source,
        by_use=by_use,
    )


# --- the registers' home: what each register counts in a year ------------------------------------


@dataclass(frozen=True)
class YearCounts:
    """One year of every register, as the figures count it: what stands at the year's end, what was new or
    repaired in it, and the records dated within it."""

    organizations: int
    new_organizations: int
    members: int
    sites: int
    new_sites: int
    repaired_sites: int
    bases: int
    households: int
    columns: int
    episodes: int
    minutes: int
    reports: int
    contests: int
    entries: int
    income: Decimal
    spending: Decimal


def year_counts(
    *,
    year: int,
    organizations: QuerySet[Organization],
    sites: QuerySet[Site],
    bases: QuerySet[DemonstrationBase],
    columns: QuerySet,
    reports: QuerySet[NewsReport],
    contests: QuerySet[Contest],
    funding: QuerySet[FundingRecord],
) -> YearCounts:
    """Each register's count for the year, from the querysets the organizer reads (kepu.access)."""
    first, last = year_bounds(year)
    standing_organizations = organizations_of_year(organizations, year).filter(
        standing_at(last, born="founded_on", gone="dissolved_on")
    )
    organization_totals = standing_organizations.aggregate(
        n=Count("id"), new=Count("id", filter=Q(founded_on__gte=first)), members=Sum("year_members")
    )
    standing_sites = sites_of_year(sites, year).filter(standing_at(last, born="built_on", gone="retired_on"))
    site_totals = standing_sites.aggregate(
        n=Count("id"),
        new=Count("id", filter=Q(built_on__gte=first)),
        repaired=Count("id", filter=Q(repaired_in_year=True)),
    )
    running_bases = bases.filter(standing_at(last, born="established_on", gone="closed_on")).count()
    households = BaseYear.objects.filter(base__in=bases, year=year).aggregate(n=Sum("households"))["n"]
    aired = MediaEpisode.objects.filter(column__in=columns, aired_on__gte=first, aired_on__lte=last).aggregate(
        n=Count("id"), minutes=Sum("minutes")
    )
    held = contests.filter(held_on__year=year)
    money = funding_totals(funding_of_year(funding, year))
    return YearCounts(
        organizations=organization_totals["n"],
        new_organizations=organization_totals["new"],
        members=organization_totals["members"] or 0,
        sites=site_totals["n"],
        new_sites=site_totals["new"],
        repaired_sites=site_totals["repaired"],
        bases=running_bases,
        households=households or 0,
        columns=columns.count(),
        episodes=aired["n"],
        minutes=aired["minutes"] or 0,
        reports=reports_of_year(reports, year).count(),
        contests=held.count(),
        entries=ContestEntry.objects.filter(contest__in=held).count(),
        income=money.income,
        spending=money.spending,
    )

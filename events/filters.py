import django_filters
from django import forms

from .models import YEAR_MAX, YEAR_MIN, Campaign, Event, Region


class YearFilter(django_filters.NumberFilter):
    """A calendar year within Kepu's years (as the statistics take them). A year lookup outside 1…9999 is
    no date at all and failed in the database; this says so with a 400 instead."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        super().__init__(*args, **kwargs)


class CampaignFilter(django_filters.FilterSet):
    starts_after = django_filters.DateFilter(field_name="ends_on", lookup_expr="gte", label="ends on or after")
    starts_before = django_filters.DateFilter(field_name="starts_on", lookup_expr="lte", label="starts on or before")
    year = YearFilter(method="filter_year")

    class Meta:
        model = Campaign
        fields = ["kind", "status"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(starts_on__year__lte=value, ends_on__year__gte=value)


class EventFilter(django_filters.FilterSet):
    """Period, kind, campaign, town and status, as organizers slice their year."""

    date_from = django_filters.DateFilter(field_name="ends_at", lookup_expr="date__gte", label="from (date)")
    date_to = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__lte", label="to (date)")
    year = YearFilter(field_name="starts_at", lookup_expr="year")
    town = django_filters.ModelChoiceFilter(
        queryset=Region.objects.filter(level=Region.Level.TOWN), method="filter_town", label="town"
    )
    campaign_kind = django_filters.ChoiceFilter(field_name="campaign__kind", choices=Campaign.Kind.choices)

    class Meta:
        model = Event
        fields = ["kind", "status", "campaign", "venue", "audience", "is_countryside_trip"]

    def filter_town(self, queryset, name, town):
        # A venue sits in the town itself or in one of its villages.
        return queryset.filter(venue__region__in=[town.id, *town.children.values_list("id", flat=True)])

import pytest
from django.db.models import F

from events.demo import seed_planning
from volunteers.demo import seed_volunteers
from volunteers.models import HOLDING, Shift, SignUp, Volunteer

pytestmark = pytest.mark.django_db


def test_demo_adds_volunteers_shifts_and_history_once():
    demo = seed_planning(year=2025, scale=1, seed=7)  # a past year: every event has been held
    seed_volunteers(demo)
    volunteers = Volunteer.objects.filter(association=demo.association)
    assert 250 <= volunteers.count() <= 400
    assert 0.15 <= volunteers.filter(is_expert=True).count() / volunteers.count() <= 0.25
    assert SignUp.objects.filter(status=SignUp.Status.ATTENDED, hours__gt=0).count() > 300
    assert SignUp.objects.filter(status=SignUp.Status.NO_SHOW).exists()
    assert set(SignUp.objects.exclude(hours_source="").values_list("hours_source", flat=True)) >= {
        "scanned",
        "organizer",
    }
    assert not Shift.objects.filter(taken__gt=F("capacity")).exists()
    for shift in Shift.objects.all()[:50]:
        assert shift.taken == shift.signups.filter(status__in=HOLDING).count()
    counts = (Volunteer.objects.count(), SignUp.objects.count())
    seed_volunteers(seed_planning(year=2025, scale=1, seed=7))
    assert (Volunteer.objects.count(), SignUp.objects.count()) == counts

import pytest

from tests.factories import AssociationFactory, OrganizerFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


def test_a_prefecture_organizer_reads_but_cannot_change_a_countys_records(client):
    prefecture = AssociationFactory()
    volunteer = VolunteerFactory(association=AssociationFactory(parent=prefecture), name="李四")
    client.force_login(OrganizerFactory(association=prefecture).user)

    url = f"/admin/volunteers/volunteer/{volunteer.id}/change/"
    assert client.get(url).status_code == 200  # read
    response = client.post(url, {"phone": "13912345678", "name": "改名", "language": "zh-hans"})
    assert response.status_code == 403
    volunteer.refresh_from_db()
    assert volunteer.name == "李四"


def test_organizers_of_another_county_do_not_see_the_record(client):
    volunteer = VolunteerFactory()
    client.force_login(OrganizerFactory().user)
    response = client.get(f"/admin/volunteers/volunteer/{volunteer.id}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect

"""The dashboard's Word and Excel links answer at once and hand over the file once a worker has written it."""

import io

import pytest
from django.utils import timezone
from docx import Document

from stats import tasks
from tests.factories import EventFactory, HeadcountFactory

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture
def queued(monkeypatch, settings, tmp_path):
    """The summary files asked of the worker, instead of sending them: [(args), …]; files go to tmp_path."""
    settings.MEDIA_ROOT = str(tmp_path)
    calls = []
    monkeypatch.setattr(tasks.summary_file, "delay", lambda *args: calls.append(args))
    return calls


@pytest.fixture
def logged_in(client, organizer, association):
    HeadcountFactory(event=EventFactory(association=association), count=120)
    client.force_login(organizer)
    return client


def test_the_dashboard_links_to_the_files_it_hands_over(logged_in):
    page = logged_in.get("/dashboard/").content.decode()
    assert f"/dashboard/summary/{YEAR}/?format=docx" in page and f"/dashboard/summary/{YEAR}/?format=xlsx" in page


def test_the_word_link_answers_at_once_and_hands_over_the_file_when_written(logged_in, queued):
    url = f"/dashboard/summary/{YEAR}/?format=docx&lang=zh-hans"

    waiting = logged_in.get(url)
    assert waiting.status_code == 202 and "stats/summary_file.js" in waiting.content.decode()  # it polls ?status=1
    assert logged_in.get(url + "&status=1").json() == {"ready": False}
    assert len(queued) == 1  # asked once, however often the page polls

    tasks.summary_file.run(*queued[0])  # the worker
    assert logged_in.get(url + "&status=1").json() == {"ready": True}
    ready = logged_in.get(url)
    assert ready.status_code == 200
    assert 'filename="summary-' in ready["Content-Disposition"]
    document = Document(io.BytesIO(b"".join(ready.streaming_content)))
    assert document.paragraphs[0].text.endswith("年度科协工作总结")


def test_the_file_is_written_again_when_the_records_change(logged_in, queued, association):
    url = f"/dashboard/summary/{YEAR}/?format=xlsx"
    logged_in.get(url)
    tasks.summary_file.run(*queued[0])
    assert logged_in.get(url).status_code == 200

    from stats import services
    from stats.figures import year_scope

    services.tally_compute(scope=year_scope(association.id, YEAR))  # the figures were computed again
    assert logged_in.get(url).status_code == 202


def test_a_wrong_format_is_refused_with_a_message(logged_in, queued):
    response = logged_in.get(f"/dashboard/summary/{YEAR}/?format=pdf")
    assert response.status_code == 400 and "格式、语言或年份无效" in response.content.decode()
    assert not queued

"""Files made from the volunteers' records: the service certificate (PDF), rosters and hours
(XLSX/CSV, written by `kepu.spreadsheets`, which neutralizes formulas), the iCalendar feed and
the staff QR code. Reads only."""

import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import icalendar
import qrcode
import qrcode.image.svg
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from events.models import Event
from kepu import spreadsheets

from .models import SignUp, Volunteer
from .selectors import HoursRecord, ShiftRoster

XLSX = spreadsheets.XLSX


def _local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


# --- QR ------------------------------------------------------------------------------------------


def qr_svg(text: str) -> str:
    """An inline SVG QR code (no image file to fetch: the roster page prints as is)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


# --- spreadsheets --------------------------------------------------------------------------------


def _workbook(title: str, header: list[str], rows: Iterable[list]) -> bytes:
    sheet = spreadsheets.Sheet(
        title=title, rows=[header, *rows], heading=True, widths=dict.fromkeys(range(1, len(header) + 1), 18)
    )
    return spreadsheets.xlsx_bytes(sheet)


def _roster_rows(rosters: list[ShiftRoster]) -> tuple[list[str], list[list]]:
    header = [
        _("Shift"),
        _("Starts at"),
        _("Ends at"),
        pgettext("person", "Name"),
        _("Mobile phone"),
        _("Expert"),
        _("Status"),
        _("Waitlist position"),
        _("Checked in at"),
        _("Checked out at"),
        _("Service hours"),
        _("Hours recorded by"),
    ]
    rows = []
    for roster in rosters:
        shift = roster.shift
        position = 0
        for signup in roster.signups:
            waitlisted = signup.status == SignUp.Status.WAITLISTED
            position += waitlisted
            rows.append(
                [
                    shift.get_role_display(),
                    _local(shift.starts_at),
                    _local(shift.ends_at),
                    signup.volunteer.name,
                    signup.volunteer.phone.removeprefix("+86"),
                    _("Yes") if signup.volunteer.is_expert else _("No"),
                    signup.get_status_display(),
                    position if waitlisted else "",
                    _local(signup.checked_in_at),
                    _local(signup.checked_out_at),
                    float(signup.hours) if signup.hours is not None else "",
                    signup.get_hours_source_display() if signup.hours_source else "",
                ]
            )
    return header, rows


def roster_xlsx(event: Event, rosters: list[ShiftRoster]) -> bytes:
    header, rows = _roster_rows(rosters)
    return _workbook(_("Roster"), header, rows)


def roster_csv(event: Event, rosters: list[ShiftRoster]) -> bytes:
    header, rows = _roster_rows(rosters)
    return spreadsheets.csv_bytes([header, *rows])


def hours_xlsx(signups: Iterable[SignUp], start: date, end: date) -> bytes:
    """One row per service record, in the columns the national volunteer system's import asks for."""
    header = [
        pgettext("person", "Name"),
        _("Mobile phone"),
        _("Project name"),
        _("Service date"),
        _("Start time"),
        _("End time"),
        _("Service hours"),
        _("Hours recorded by"),
        _("Role"),
        _("Venue"),
    ]
    rows = [
        [
            s.volunteer.name,
            s.volunteer.phone.removeprefix("+86"),
            s.shift.event.title,
            _local(s.shift.starts_at, "%Y-%m-%d"),
            _local(s.checked_in_at or s.shift.starts_at, "%H:%M"),
            _local(s.checked_out_at or s.shift.ends_at, "%H:%M"),
            float(s.hours or 0),  # there are hours: hours_for_period reads only sign-ups with them
            s.get_hours_source_display(),
            s.shift.get_role_display(),
            s.shift.event.venue.name,
        ]
        for s in signups
    ]
    return _workbook(f"{start}~{end}", header, rows)


# --- iCalendar ---------------------------------------------------------------------------------


def signups_ical(volunteer: Volunteer, signups: Iterable[SignUp], host: str) -> bytes:
    """The volunteer's shifts as an iCalendar feed (RFC 5545: escaping and line folding are the library's)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Kepu//Volunteer shifts//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", icalendar.vText(_("My volunteer shifts")))
    calendar.add("x-published-ttl", icalendar.vDuration(timedelta(hours=1)))
    now = timezone.now().astimezone(UTC)
    for signup in signups:
        shift, event = signup.shift, signup.shift.event
        entry = icalendar.Event()
        entry.add("uid", f"kepu-signup-{signup.pk}@{host.split(':')[0]}")
        entry.add("dtstamp", now)
        entry.add("dtstart", shift.starts_at.astimezone(UTC))
        entry.add("dtend", shift.ends_at.astimezone(UTC))
        entry.add("summary", f"{event.title} · {shift.get_role_display()}")
        entry.add("location", " ".join(filter(None, [event.venue.name, event.venue.address])))
        entry.add("description", event.description[:500])
        entry.add("status", "CONFIRMED")
        calendar.add_component(entry)
    return calendar.to_ical()


# --- the service record certificate (志愿服务记录证明) ---------------------------------------------

CJK_FONT = "STSong-Light"  # reportlab's built-in Adobe CID font: no font file needed
CERTIFICATE_ROWS = 22  # what fits on one A4 page under the heading


def certificate_pdf(record: HoursRecord, *, issued_on: date | None = None) -> bytes:
    """One A4 page: who, which events, dates and hours, issued by the association."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    volunteer = record.volunteer
    issued_on = issued_on or timezone.localdate()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setTitle(_("Volunteer service record"))
    width, height = A4
    page.setFont(CJK_FONT, 20)
    page.drawCentredString(width / 2, height - 30 * mm, _("Volunteer service record"))
    page.setFont(CJK_FONT, 11)
    period = (
        _("from %(start)s to %(end)s") % {"start": record.start, "end": record.end}
        if record.start and record.end
        else _("to date")
    )
    y = height - 45 * mm
    for line in (
        _("This is to certify that %(name)s (mobile %(phone)s) served as a volunteer with %(association)s")
        % {
            "name": volunteer.name,
            "phone": volunteer.phone.removeprefix("+86"),
            "association": volunteer.association.name,
        },
        _("%(period)s: %(count)d services, %(hours)s hours in total.")
        % {"period": period, "count": len(record.signups), "hours": record.total},
    ):
        page.drawString(20 * mm, y, line)
        y -= 7 * mm
    y -= 4 * mm
    columns = [20 * mm, 48 * mm, 150 * mm, 172 * mm]
    page.setFont(CJK_FONT, 10)
    for x, title in zip(columns, [_("Date"), _("Event"), _("Hours"), _("Recorded by")], strict=True):
        page.drawString(x, y, title)
    page.line(20 * mm, y - 2 * mm, 190 * mm, y - 2 * mm)
    y -= 7 * mm
    shown = record.signups[-CERTIFICATE_ROWS:]
    for signup in shown:
        page.drawString(columns[0], y, _local(signup.shift.starts_at, "%Y-%m-%d"))
        title = signup.shift.event.title
        page.drawString(columns[1], y, title if len(title) <= 30 else title[:29] + "…")
        page.drawRightString(columns[2] + 12 * mm, y, str(signup.hours or Decimal(0)))
        page.drawString(columns[3], y, signup.get_hours_source_display())
        y -= 6.5 * mm
    if len(record.signups) > len(shown):
        page.drawString(
            columns[0],
            y,
            _("(%(count)d earlier services are included in the total.)") % {"count": len(record.signups) - len(shown)},
        )
    page.setFont(CJK_FONT, 9)
    page.drawString(
        20 * mm,
        40 * mm,
        _("Service time is the time actually served, travel excluded, as recorded in Kepu."),
    )
    page.setFont(CJK_FONT, 12)
    page.drawRightString(190 * mm, 30 * mm, volunteer.association.name)
    page.drawRightString(190 * mm, 23 * mm, issued_on.strftime("%Y-%m-%d"))
    page.showPage()
    page.save()
    return out.getvalue()

"""The volunteers' phone pages under /v/ and the organizer's roster pages under /v/org/.

Plain Django templates, one small stylesheet, no JavaScript needed: they load
fast on a cheap phone with weak signal. Every change goes through services.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.models import Association, Region
from kepu import access
from kepu.links import public_url
from kepu.login_codes import LoginCodeThrottled
from kepu.logins import lockout_message
from kepu.replica import replica_reads
from kepu.spreadsheets import ImportRefused

from . import documents, selectors, services
from .forms import CodeForm, EventFilterForm, ImportForm, JoinForm, LoginForm, MoveForm, PeriodForm, RegisterForm
from .models import HOLDING, LIVE, Shift, SignUp, Skill, StaffCode, Volunteer

volunteer_login_required = login_required(login_url="v-login")


def _first_error(invalid: ValidationError) -> str:
    return " ".join(m for messages_ in invalid.message_dict.values() for m in messages_)


def volunteer_required(view):
    """Logged in and a volunteer; the view gets the Volunteer as its second argument."""

    @volunteer_login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        volunteer = selectors.volunteer_of(request.user)
        if volunteer is None:
            messages.error(request, _("This account is not a volunteer account."))
            return redirect("v-events")
        return view(request, volunteer, *args, **kwargs)

    return wrapper


def organizer_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.is_organizer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def association_organizer_required(view):
    """Organizers of the whole association: its pool of volunteers (short shifts, hours, imports) is not a
    township organizer's or a partner account's page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.holds_association(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- account ----------------------------------------------------------------------------------------


_PENDING_REGISTRATION = "v_register"  # the session key of a registration waiting for its code


def register(request):
    """Registration answers alike for new and taken numbers: on to "we sent a code" (services, "Registering")."""
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        language = getattr(request, "LANGUAGE_CODE", "zh-hans")
        try:
            services.volunteer_register_start(phone=data["phone"], association=data["association"], language=language)
        except LoginCodeThrottled as throttled:
            form.add_error(
                None,
                _("A code was sent to this number a moment ago. Try again in %(seconds)d seconds.")
                % {"seconds": throttled.wait_seconds},
            )
        else:
            request.session[_PENDING_REGISTRATION] = {
                "phone": data["phone"],
                "name": data["name"],
                "password_hash": make_password(data["password"]),
                "association": data["association"].id,
                "home_region": data["home_region"].id if data["home_region"] else None,
                "skills": [skill.id for skill in data["skills"]],
                "language": language,
                "next": _next_url(request, reverse("v-events")),
            }
            return redirect("v-register-confirm")
    return render(request, "volunteers/register.html", {"form": form, "next": request.GET.get("next", "")})


def register_confirm(request):
    """The code sent to the phone finishes the registration, or signs in the number's owner."""
    pending = request.session.get(_PENDING_REGISTRATION)
    if not pending:
        return redirect("v-register")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            volunteer, created = services.volunteer_register_confirm(
                phone=pending["phone"],
                code=form.cleaned_data["code"],
                name=pending["name"],
                password_hash=pending["password_hash"],
                association=get_object_or_404(Association, pk=pending["association"]),
                home_region=Region.objects.filter(pk=pending["home_region"]).first(),
                skills=Skill.objects.filter(pk__in=pending["skills"]),
                language=pending["language"],
            )
        except ValidationError as invalid:
            form.add_error("code", invalid.message_dict.get("code") or _first_error(invalid))
        else:
            del request.session[_PENDING_REGISTRATION]
            auth.login(request, volunteer.user, backend="django.contrib.auth.backends.ModelBackend")
            if created:
                messages.success(request, _("Welcome, %(name)s! Pick a shift below.") % {"name": volunteer.name})
            else:
                messages.info(
                    request,
                    _("This number already had a volunteer account: you are signed in to it, and nothing was changed."),
                )
            return redirect(pending["next"])
    return render(
        request, "volunteers/register_confirm.html", {"form": form, "phone": services.mask_phone(pending["phone"])}
    )


def join(request, token: str):
    """An invitation's link (services, "Invitations"): a new number sets a password and consents; a
    volunteer of another association signs in and confirms the move."""
    try:
        invitation = services.invitation_check_open(selectors.invitation_for_token(token))
    except services.InvitationClosed as closed:
        return _join_closed(request, closed)
    context = {"invitation": invitation, "phone": services.mask_phone(invitation.phone)}
    holder = selectors.volunteer_with_phone(invitation.phone)
    if holder is None:
        form = JoinForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                volunteer = services.invitation_accept_new(
                    invitation=invitation, password_hash=make_password(form.cleaned_data["password"])
                )
            except services.InvitationClosed as closed:
                return _join_closed(request, closed)
            except ValidationError as invalid:
                form.add_error(None, _first_error(invalid))
            else:
                auth.login(request, volunteer.user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome, %(name)s! Pick a shift below.") % {"name": volunteer.name})
                return redirect("v-events")
        return render(request, "volunteers/join.html", {**context, "form": form, "step": "new"})
    if holder.user_id != request.user.id:  # moving an account is for its owner, signed in
        login_url = f"{reverse('v-login')}?{urlencode({'next': request.path})}"
        return render(request, "volunteers/join.html", {**context, "step": "sign_in", "login_url": login_url})
    move_form = MoveForm(request.POST or None)
    if request.method == "POST" and move_form.is_valid():
        try:
            services.invitation_accept_move(invitation=invitation, volunteer=holder)
        except services.InvitationClosed as closed:
            return _join_closed(request, closed)
        messages.success(
            request, _("You now volunteer with %(association)s.") % {"association": invitation.association.name}
        )
        return redirect("v-schedule")
    return render(
        request, "volunteers/join.html", {**context, "form": move_form, "step": "move", "current": holder.association}
    )


def _join_closed(request, closed: "services.InvitationClosed"):
    status = 404 if closed.code == "invalid" else 410
    return render(request, "volunteers/join.html", {"closed": closed}, status=status)


def login(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = auth.authenticate(request, username=form.cleaned_data["phone"], password=form.cleaned_data["password"])
        if user is None and getattr(request, "axes_locked_out", False):
            # Locked out (kepu.logins): even the right password is refused until the cool-off ends.
            form.add_error(None, lockout_message(request))
            return render(
                request, "volunteers/login.html", {"form": form, "next": request.GET.get("next", "")}, status=429
            )
        if user is None:
            form.add_error(None, _("Wrong phone number or password."))
        else:
            auth.login(request, user)
            return redirect(_next_url(request, reverse("v-schedule")))
    return render(request, "volunteers/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout(request):
    auth.logout(request)
    return redirect("v-events")


# --- finding and taking shifts --------------------------------------------------------------------


def events(request):
    """Open events near me: filter by town, date, skill."""
    volunteer = selectors.volunteer_of(request.user)
    form = EventFilterForm(request.GET or None, association=volunteer.association if volunteer else None)
    filters = form.cleaned_data if form.is_valid() else {}
    home = volunteer.home_region if volunteer else None
    if home is not None and home.level != "town":
        home = home.parent
    town = filters.get("town")
    found = selectors.open_events(
        association_id=volunteer.association_id if volunteer else None,
        town=town,
        on=filters.get("on"),
        skill_id=filters["skill"].id if filters.get("skill") else None,
        near=home,
    )[:50]
    return render(
        request, "volunteers/events.html", {"form": form, "events": found, "volunteer": volunteer, "home": home}
    )


def event_detail(request, event_id: int):
    event = access.access_event_for_read(request.user, event_id)
    volunteer = selectors.volunteer_of(request.user)
    mine = {}
    if volunteer:
        for signup in SignUp.objects.filter(shift__event=event, volunteer=volunteer, status__in=LIVE):
            signup.position = selectors.waitlist_position(signup)
            mine[signup.shift_id] = signup
    shifts = list(selectors.shifts_of_event(event))
    now = timezone.now()
    for shift in shifts:
        shift.event = event
        shift.my_signup = mine.get(shift.id)
        shift.closed_reason = services.signups_closed_reason(shift, now)
        # An expert-only shift (or one needing a skill) offers no sign-up button to whom the service refuses.
        shift.ineligible_reason = services.signup_ineligible_reason(shift, volunteer) if volunteer else None
        # Fellow volunteers, so a team can find each other; phones masked (organizers see the roster page).
        shift.team = [(s.volunteer.name, services.mask_phone(s.volunteer.phone)) for s in shift.team_signups[:30]]
    return render(request, "volunteers/event.html", {"event": event, "shifts": shifts, "volunteer": volunteer})


@require_POST
@volunteer_required
def signup(request, volunteer: Volunteer, shift_id: int):
    shift = get_object_or_404(access.shifts_for_read(request.user), pk=shift_id)  # one signs oneself up
    try:
        result = services.shift_signup(shift=shift, volunteer=volunteer)
    except ValidationError as invalid:
        messages.error(request, _first_error(invalid))
    else:
        if result.status == SignUp.Status.CONFIRMED:
            messages.success(request, _("You are signed up: %(shift)s.") % {"shift": shift.get_role_display()})
        else:
            messages.warning(
                request,
                _(
                    "The shift is full: you are number %(position)d on the waitlist. "
                    "We will tell you if a place frees up."
                )
                % {"position": selectors.waitlist_position(result)},
            )
    return redirect(_next_url(request, reverse("v-event", args=[shift.event_id])))


@require_POST
@volunteer_required
def cancel(request, volunteer: Volunteer, signup_id: int):
    signup = get_object_or_404(SignUp.objects.select_related("shift__event"), pk=signup_id, volunteer=volunteer)
    try:
        services.signup_cancel(signup=signup)
    except ValidationError as invalid:
        messages.error(request, _first_error(invalid))
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect(_next_url(request, reverse("v-schedule")))


# --- my schedule, hours, calendar -------------------------------------------------------------------


@volunteer_required
def schedule(request, volunteer: Volunteer):
    return render(
        request, "volunteers/schedule.html", {"volunteer": volunteer, "signups": selectors.schedule_of(volunteer)}
    )


def _year_bounds(request) -> tuple[date | None, date | None]:
    year = request.GET.get("year", "")
    if year.isdigit() and 1990 <= int(year) <= 2100:  # anything else shows all years, never an error page
        return date(int(year), 1, 1), date(int(year), 12, 31)
    return None, None


@volunteer_required
def hours(request, volunteer: Volunteer):
    start, end = _year_bounds(request)
    record = selectors.hours_of(volunteer, start=start, end=end)
    return render(
        request,
        "volunteers/hours.html",
        {"volunteer": volunteer, "record": record, "year": request.GET.get("year", ""), "stars": range(record.stars)},
    )


@volunteer_required
def certificate(request, volunteer: Volunteer):
    start, end = _year_bounds(request)
    with translation.override(volunteer.language):  # the certificate is in the volunteer's language
        pdf = documents.certificate_pdf(selectors.hours_of(volunteer, start=start, end=end))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="service-record.pdf"'
    return response


@volunteer_required
def calendar_page(request, volunteer: Volunteer):
    if request.method == "POST":
        services.calendar_token_reset(volunteer=volunteer)
        messages.success(request, _("A new calendar link was made; the old one no longer works."))
        return redirect("v-calendar")
    url = public_url(reverse("v-ical", args=[services.calendar_token_of(volunteer)]), request)
    return render(
        request,
        "volunteers/calendar.html",
        {
            "volunteer": volunteer,
            "url": url,
            "webcal": url.replace("https://", "webcal://").replace("http://", "webcal://"),
        },
    )


def ical_feed(request, token: str):
    """The volunteer's shifts for phone calendars; the secret token is the only key."""
    volunteer = Volunteer.objects.filter(calendar_token=token).first() if token else None
    if volunteer is None:
        raise Http404
    body = documents.signups_ical(volunteer, selectors.calendar_signups(volunteer), request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


# --- shift check-in with the staff code ------------------------------------------------------------


@volunteer_login_required
def staff_scan(request, code: str):
    """Scanned from the event's staff QR: check in to my shift, the second time check out.

    GET shows the shift and one big button; the POST records the time. A link
    preview or a prefetch (WeChat opens links to preview them) never checks anyone in.
    """
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        raise PermissionDenied
    context: dict = {"code": code, "volunteer": volunteer}
    if request.method == "POST":
        try:
            result, signup = services.staff_scan(code=code, volunteer=volunteer)
        except services.StaffScanRefused as refused:
            context.update(error=refused.message, error_code=refused.code)
        else:
            context.update(result=result, signup=signup)
        return render(request, "volunteers/staff_scan.html", context)
    staff_code = StaffCode.objects.select_related("event").filter(code=code).first()
    if staff_code is None:
        context["error"] = _("This staff code is not valid (it may have been replaced).")
    else:
        context["event"] = staff_code.event
        context["signups"] = SignUp.objects.filter(
            shift__event=staff_code.event, volunteer=volunteer, status__in=HOLDING
        ).select_related("shift")
    return render(request, "volunteers/staff_scan.html", context)


# --- organizers ---------------------------------------------------------------------------------------


def _organizer_event(request, event_id: int):
    """The event to read, or for a POST the event to change (a prefecture reads its counties' rosters)."""
    if request.method == "POST":
        return access.access_event_for_write(request.user, event_id)
    return access.access_event_staff(request.user, event_id)


@association_organizer_required
def org_short(request):
    """Who is short of volunteers in the coming week."""
    shifts = selectors.shifts_short_of_volunteers(association_ids=access.associations_for_read(request.user))
    return render(request, "volunteers/org_short.html", {"shifts": shifts, "form": PeriodForm()})


@organizer_required
def org_roster(request, event_id: int):
    event = _organizer_event(request, event_id)
    if request.method == "POST" and request.POST.get("action") == "rotate":
        services.staff_code_rotate(event=event)
        messages.success(request, _("A new staff code was made; the old one no longer works."))
        return redirect("v-org-roster", event_id=event.id)
    if request.method == "POST":
        _org_roster_action(request, event)
        return redirect("v-org-roster", event_id=event.id)
    rosters = selectors.roster_of(event)
    staff_code = services.staff_code_of(event)
    staff_url = public_url(reverse("v-staff", args=[staff_code.code]), request)
    return render(
        request,
        "volunteers/org_roster.html",
        {
            "event": event,
            "rosters": rosters,
            "fill_rate": selectors.event_fill_rate(rosters),
            "staff_url": staff_url,
            "staff_qr": documents.qr_svg(staff_url),
            "other_shifts": Shift.objects.filter(event=event),
        },
    )


def _org_roster_action(request, event) -> None:
    action = request.POST.get("action")
    try:
        if action == "add":
            _org_add_by_phone(request, event)
            return
        signup = get_object_or_404(SignUp, pk=request.POST.get("signup"), shift__event=event)
        if action == "attended":
            services.signup_mark_attendance(signup=signup, attended=True)
        elif action == "no_show":
            services.signup_mark_attendance(signup=signup, attended=False)
        elif action == "hours":
            try:
                hours = Decimal(request.POST.get("hours", "").strip())
            except InvalidOperation:
                raise ValidationError({"hours": _("Enter a number of hours above zero.")}) from None
            services.signup_record_hours(signup=signup, hours=hours)
        elif action == "remove":
            services.signup_cancel(signup=signup, by_organizer=True)
        elif action == "move":
            to_shift = get_object_or_404(Shift, pk=request.POST.get("to_shift"), event=event)
            services.signup_move(signup=signup, to_shift=to_shift)
        else:
            raise Http404
    except ValidationError as invalid:
        messages.error(request, _first_error(invalid))
    else:
        messages.success(request, _("Saved."))


def _org_add_by_phone(request, event) -> None:
    shift = get_object_or_404(Shift, pk=request.POST.get("shift"), event=event)
    phone = services.normalize_phone(request.POST.get("phone", ""))
    volunteer = (
        access.volunteers_to_staff(request.user).filter(association_id=event.association_id, phone=phone).first()
    )
    if volunteer is None:
        raise ValidationError({"phone": _("No volunteer of this association has that phone number.")})
    signup = services.shift_signup(shift=shift, volunteer=volunteer, by_organizer=True)
    messages.success(
        request, _("%(name)s: %(status)s.") % {"name": volunteer.name, "status": signup.get_status_display()}
    )


@organizer_required
@replica_reads
def org_roster_export(request, event_id: int, fmt: str):
    event = _organizer_event(request, event_id)
    rosters = selectors.roster_of(event)
    if fmt == "xlsx":
        body, content_type = documents.roster_xlsx(event, rosters), documents.XLSX
    elif fmt == "csv":
        body, content_type = documents.roster_csv(event, rosters), "text/csv; charset=utf-8"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="roster-{event.id}.{fmt}"'
    return response


@association_organizer_required
@replica_reads
def org_hours_export(request):
    form = PeriodForm(request.GET)
    if not form.is_valid():
        today = timezone.localdate()
        form = PeriodForm({"start": today.replace(month=1, day=1), "end": today})
        form.is_valid()
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    readable = access.associations_for_read(request.user)
    signups = selectors.hours_for_period(association_ids=readable, start=start, end=end)
    response = HttpResponse(documents.hours_xlsx(signups, start, end), content_type=documents.XLSX)
    response["Content-Disposition"] = f'attachment; filename="service-hours-{start}-{end}.xlsx"'
    return response


@association_organizer_required
def org_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.volunteers_import(
                association=access.association_of(request.user), file=upload, invited_by=request.user
            )
        except ImportRefused as refused:  # nothing was imported: the wrong rows, to fix and upload again
            report = {"invited": 0, "refused": refused.summary, "rows": refused.report()}
        except ValidationError as invalid:
            form.add_error("file", invalid.messages)
    pending = selectors.invitations_pending(access.association_of(request.user))
    return render(request, "volunteers/org_import.html", {"form": form, "report": report, "pending": pending})

"""The organizer's view of delivery: who was told what, per event, and whether it arrived; resend failures."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kepu import access
from kepu.admin import AssociationScopedAdmin

from . import selectors, services
from .channels import channel_label
from .models import Kind, Notification


class PermanentErrorFilter(admin.SimpleListFilter):
    title = _("error")
    parameter_name = "error"

    def lookups(self, request, model_admin):
        return [("permanent", _("Permanent (not retried)")), ("transient", _("Transient (retrying)"))]

    def queryset(self, request, queryset):
        if self.value() == "permanent":
            return queryset.filter(permanent_error=True)
        if self.value() == "transient":
            return queryset.filter(permanent_error=False).exclude(last_error="")
        return queryset


@admin.register(Notification)
class NotificationAdmin(AssociationScopedAdmin):
    list_display = [
        "created_at",
        "event",
        "kind",
        "channel_display",
        "recipient_name",
        "address",
        "status",
        "attempts",
        "permanent_error",
        "short_error",
        "sent_at",
    ]
    list_filter = ["status", PermanentErrorFilter, "kind", "channel", ("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["recipient_name", "address", "event__title", "dedupe_key"]
    list_select_related = ["event"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    fields = [
        ("kind", "channel", "status"),
        ("event", "association"),
        ("recipient_name", "address", "language"),
        ("user", "volunteer", "attendee"),
        "subject",
        "body",
        ("urgent", "attempts", "permanent_error"),
        "last_error",
        ("scheduled_at", "next_attempt_at", "dispatched_at", "claimed_at"),
        ("sent_at", "provider_message_id", "read_at"),
        ("dedupe_key", "created_at"),
    ]

    def changelist_view(self, request, extra_context=None):
        """Filtered by one event, the list opens with who was told what and how delivery went."""
        event_id = request.GET.get("event__id__exact", "")
        event = access.events_for_read(request.user).filter(id=event_id).first() if event_id.isdigit() else None
        if event is not None:
            extra_context = {**(extra_context or {}), "event_summary": self._event_summary(event)}
        return super().changelist_view(request, extra_context=extra_context)

    @staticmethod
    def _event_summary(event) -> dict:
        statuses = list(Notification.Status)
        table: dict[tuple[str, str], dict[str, int]] = {}
        for line in selectors.event_notification_summary(event_id=event.id):
            table.setdefault((line["kind"], line["channel"]), {})[line["status"]] = line["count"]
        rows = [
            {
                "kind": Kind(kind).label,
                "channel": channel_label(channel),
                "counts": [counts.get(s, 0) for s in statuses],
            }
            for (kind, channel), counts in table.items()
        ]
        return {"event": event, "statuses": [s.label for s in statuses], "rows": rows}

    @admin.display(description=_("channel"), ordering="channel")
    def channel_display(self, notification: Notification) -> str:
        return channel_label(notification.channel)

    @admin.display(description=_("last error"))
    def short_error(self, notification: Notification) -> str:
        return notification.last_error[:80]

    def has_change_permission(self, request, obj=None):
        # Messages are records: no form changes one. Resending (the action) is the change organizers
        # make, to their own association's messages (see rows_for_write).
        return obj is None and (request.user.is_superuser or self._is_organizer(request))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the failed messages again"), permissions=["change"])
    def resend(self, request, queryset):
        queryset = self.rows_for_write(request, queryset)
        resent = 0
        for notification in queryset.filter(status=Notification.Status.FAILED):
            try:
                services.notification_resend(notification=notification)
                resent += 1
            except ValidationError:
                continue  # no longer failed: another organizer resent it meanwhile
        skipped = queryset.count() - resent
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", resent) % {"count": resent},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was not failed and was left alone.",
                    "%(count)d messages were not failed and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

"""The notifications API: organizers follow delivery and resend; volunteers read their inbox and set
their preferences (the one-time login codes' API is kepu/login_codes.py)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from kepu import access
from kepu.api import IsOrganizer, ScopedByMethod

from . import selectors, services
from .channels import channel_names
from .models import Kind, Notification, Preference


class NotificationSerializer(serializers.ModelSerializer):
    event_title = serializers.CharField(source="event.title", read_only=True, default="")

    class Meta:
        model = Notification
        fields = [
            "id",
            "event",
            "event_title",
            "kind",
            "channel",
            "recipient_name",
            "address",
            "language",
            "status",
            "attempts",
            "last_error",
            "permanent_error",
            "scheduled_at",
            "next_attempt_at",
            "sent_at",
            "created_at",
        ]
        read_only_fields = fields


class NotificationViewSet(ScopedByMethod, viewsets.ReadOnlyModelViewSet):
    """Who was told what, per event, and whether it was delivered (organizers)."""

    serializer_class = NotificationSerializer
    permission_classes = [IsOrganizer]
    scopes = (access.notifications_for_read, access.notifications_for_write)
    filterset_fields = ["event", "kind", "channel", "status"]
    search_fields = ["recipient_name", "address"]
    ordering_fields = ["created_at", "sent_at", "status"]

    @extend_schema(request=None, responses={202: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """Queue a failed message again."""
        notification = services.notification_resend(notification=self.get_object())
        return Response(NotificationSerializer(notification).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[OpenApiParameter("event", int, required=True)],
        responses=inline_serializer(
            "NotificationSummary",
            {
                "kind": serializers.CharField(),
                "channel": serializers.CharField(),
                "status": serializers.CharField(),
                "count": serializers.IntegerField(),
            },
            many=True,
        ),
    )
    @action(detail=False, pagination_class=None, filter_backends=[])  # one list of counts, not the messages
    def summary(self, request):
        """Counts of one event's messages by kind, channel and delivery state."""
        event_id = request.query_params.get("event", "")
        if not (event_id.isascii() and event_id.isdigit()):  # "²".isdigit() too, and int() refuses it
            raise exceptions.ValidationError({"event": [_("Give the id of an event.")]})
        event = access.access_event_for_read(request.user, int(event_id))
        return Response(selectors.event_notification_summary(event_id=event.id))


class InboxSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "event", "subject", "body", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, notification: Notification) -> bool:
        return notification.read_at is None


class InboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's in-app messages."""

    serializer_class = InboxSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        return selectors.inbox_of(self.request.user)

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}))
    @action(detail=False, url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": selectors.inbox_unread_count(request.user)})

    @extend_schema(request=None, responses=InboxSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.inbox_mark_read(user=request.user, notification_id=notification.id)
        notification.refresh_from_db()
        return Response(InboxSerializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.inbox_mark_read(user=request.user)})


class PreferenceSerializer(serializers.Serializer):
    channel = serializers.CharField(required=False)
    opted_out = serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices), required=False)


class PreferenceView(APIView):
    """The signed-in user's channel and the kinds of message they do not want."""

    permission_classes = [permissions.IsAuthenticated]

    def _answer(self, user) -> Response:
        preference = Preference.objects.filter(user=user).first()
        return Response(
            {
                "channel": preference.channel if preference else "sms",
                "opted_out": preference.opted_out if preference else [],
                "channels": channel_names(),
            }
        )

    @extend_schema(responses=PreferenceSerializer)
    def get(self, request):
        return self._answer(request.user)

    @extend_schema(request=PreferenceSerializer, responses=PreferenceSerializer)
    def patch(self, request):
        serializer = PreferenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.preference_update(user=request.user, **serializer.validated_data)
        return self._answer(request.user)

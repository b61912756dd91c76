"""The reporting API: submit a year (or a campaign), list and read submissions with their differences,
accept or return them, and read a parent's roll-up. Organizers only; every record through kepu.access."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kepu import access
from kepu.api import IsOrganizer

from . import selectors, services
from .models import Submission


class SubmissionSerializer(serializers.ModelSerializer):
    association_name = serializers.CharField(source="association.name", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "association",
            "association_name",
            "to_association",
            "year",
            "campaign",
            "version",
            "state",
            "submitted_at",
            "submitted_by",
            "content_hash",
            "reviewed_at",
            "review_comment",
        ]


class DifferenceSerializer(serializers.Serializer):
    name = serializers.CharField()
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label", as Field.label
    submitted = serializers.JSONField()
    now = serializers.JSONField()
    change = serializers.JSONField()


class SubmissionDetailSerializer(SubmissionSerializer):
    snapshot = serializers.JSONField(read_only=True)

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "snapshot"]


class SubmitSerializer(serializers.Serializer):
    association = serializers.IntegerField(
        required=False, help_text=_("The association that submits; its own organizers only. Empty: yours.")
    )
    year = serializers.IntegerField(min_value=selectors.YEAR_MIN, max_value=selectors.YEAR_MAX)
    campaign = serializers.IntegerField(required=False, allow_null=True, help_text=_("Empty: the whole year."))


class SubmissionReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def _refused(refused: services.SubmissionRefused) -> Response:
    code = status.HTTP_409_CONFLICT if refused.code == "not_pending" else status.HTTP_400_BAD_REQUEST
    return Response({"code": refused.code, "detail": refused.message}, status=code)


class SubmissionListView(APIView):
    """GET: the submissions the organizer reads (their association's and those below it), newest first,
    by `?year=` and `?state=`. POST: submit a year (or a campaign) to the parent association."""

    permission_classes = [IsOrganizer]

    @extend_schema(responses=SubmissionSerializer(many=True))
    def get(self, request):
        submissions = access.submissions_for_read(request.user)
        if year := request.query_params.get("year"):
            if not year.isdigit():
                raise serializers.ValidationError({"year": [_("Enter a year such as 2026.")]})
            submissions = submissions.filter(year=int(year))
        if state := request.query_params.get("state"):
            submissions = submissions.filter(state=state)
        return Response(SubmissionSerializer(submissions[:500], many=True).data)

    @extend_schema(request=SubmitSerializer, responses={201: SubmissionSerializer})
    def post(self, request):
        form = SubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        own = access.association_of(request.user)
        assert own is not None  # IsOrganizer
        association = access.access_association_for_submit(
            request.user, form.validated_data.get("association") or own.id
        )
        campaign = None
        if campaign_id := form.validated_data.get("campaign"):
            campaign = access.campaigns_for_write(request.user).filter(id=campaign_id).first()
            if campaign is None:
                raise serializers.ValidationError({"campaign": [_("Choose one of your association's campaigns.")]})
        try:
            submission = services.submission_submit(
                association=association, year=form.validated_data["year"], campaign=campaign, submitted_by=request.user
            )
        except services.SubmissionRefused as refused:
            return _refused(refused)
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


class SubmissionDetailView(APIView):
    """One version: its frozen snapshot, and how the records now differ from it, figure by figure."""

    permission_classes = [IsOrganizer]

    @extend_schema(responses=SubmissionDetailSerializer)
    def get(self, request, pk: int):
        submission = access.access_submission_for_read(request.user, pk)
        data = SubmissionDetailSerializer(submission).data
        changes = selectors.changes_since_submission(submission)
        data["changed_since_submission"] = bool(changes)
        data["differences"] = DifferenceSerializer(changes, many=True).data
        data["versions"] = SubmissionSerializer(selectors.versions_of(submission), many=True).data
        return Response(data)


class _ReviewView(APIView):
    permission_classes = [IsOrganizer]
    action = ""

    @extend_schema(request=SubmissionReviewSerializer, responses=SubmissionSerializer)
    def post(self, request, pk: int):
        submission = access.access_submission_for_review(request.user, pk)
        form = SubmissionReviewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            submission = services.submission_review(
                submission=submission,
                action=self.action,
                reviewed_by=request.user,
                comment=form.validated_data.get("comment", ""),
            )
        except services.SubmissionRefused as refused:
            return _refused(refused)
        return Response(SubmissionSerializer(submission).data)


class SubmissionAcceptView(_ReviewView):
    """The parent accepts the version waiting for it (a comment is optional)."""

    action = "accept"


class SubmissionReturnView(_ReviewView):
    """The parent returns the version waiting for it, saying why (the comment is required)."""

    action = "return"


class RollupView(APIView):
    """The organizer's association's year from its children's accepted submissions, beside the live figures."""

    permission_classes = [IsOrganizer]

    @extend_schema(responses={200: dict})
    def get(self, request, year: int):
        if not selectors.YEAR_MIN <= year <= selectors.YEAR_MAX:
            raise serializers.ValidationError({"year": [_("Enter a year between 2000 and 2100.")]})
        association = access.association_of(request.user)
        assert association is not None  # IsOrganizer
        rolled = selectors.rollup_of(association=association, year=year)
        return Response(
            {
                "association": association.id,
                "year": year,
                "figures": rolled.figures,
                "typed": rolled.typed,
                "live": rolled.live,
                "missing": [a.id for a in rolled.missing],
                "children": [
                    {
                        "association": row.association.id,
                        "name": row.association.name,
                        "latest": SubmissionSerializer(row.latest).data if row.latest else None,
                        "accepted_version": row.accepted.version if row.accepted else None,
                        "accepted_figures": row.accepted.snapshot["figures"] if row.accepted else None,
                        "live": row.live,
                    }
                    for row in rolled.children
                ],
                "computed_at": timezone.now(),
            }
        )

from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("regions", api.RegionViewSet, basename="region")
router.register("organizations", api.OrganizationViewSet, basename="organization")
router.register("venues", api.VenueViewSet, basename="venue")
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("events", api.EventViewSet, basename="event")

api_urlpatterns = router.urls

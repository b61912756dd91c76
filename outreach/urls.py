from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("sites", api.SiteViewSet, basename="site")
# issue 14 items 3 and 6
router.register("demonstration-bases", api.DemonstrationBaseViewSet, basename="demonstrationbase")
router.register("funding", api.FundingRecordViewSet, basename="fundingrecord")

api_urlpatterns = router.urls

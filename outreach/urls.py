from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("sites", api.SiteViewSet, basename="site")
# media and contests
router.register("media-columns", api.MediaColumnViewSet, basename="media-column")
router.register("news-reports", api.NewsReportViewSet, basename="news-report")
router.register("contests", api.ContestViewSet, basename="contest")
# issue 14 items 3 and 6
router.register("demonstration-bases", api.DemonstrationBaseViewSet, basename="demonstrationbase")
router.register("funding", api.FundingRecordViewSet, basename="fundingrecord")

api_urlpatterns = router.urls

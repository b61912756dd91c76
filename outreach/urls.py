from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("sites", api.SiteViewSet, basename="site")
# media and contests
router.register("media-columns", api.MediaColumnViewSet, basename="media-column")
router.register("news-reports", api.NewsReportViewSet, basename="news-report")
router.register("contests", api.ContestViewSet, basename="contest")

api_urlpatterns = router.urls

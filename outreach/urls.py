from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("sites", api.SiteViewSet, basename="site")

api_urlpatterns = router.urls

"""The admin base every app's organizer-facing admin builds on."""

from django.contrib import admin
from django.db.models import Q

from events import selectors


class AssociationScopedAdmin(admin.ModelAdmin):
    """Superusers see and change everything. Organizers see their association's records (a
    prefecture also its counties') and change only their own association's."""

    association_path = "association"  # ORM path from the model to its Association
    organizers_write = True  # False: organizers only read (records written by services elsewhere)
    organizers_delete = True

    def scope(self, association_ids: list[int]) -> Q:
        return Q(**{f"{self.association_path}__in": association_ids})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(self.scope(selectors.associations_readable_by(request.user)))

    def _is_organizer(self, request) -> bool:
        return selectors.is_organizer(request.user)

    def _owns(self, request, obj) -> bool:
        *path, last = self.association_path.split("__")
        for part in path:
            obj = getattr(obj, part)
        return getattr(obj, f"{last}_id") == selectors.association_of(request.user).id

    def has_module_permission(self, request):
        return request.user.is_superuser or self._is_organizer(request)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser or (self.organizers_write and self._is_organizer(request))

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        return self.organizers_write and self._is_organizer(request) and (obj is None or self._owns(request, obj))

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        return self.organizers_delete and self.has_change_permission(request, obj)


from . import admin_logins  # noqa: E402, F401  the sign-in log (django-axes' records), scoped per association

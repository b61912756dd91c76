"""The admin base every app's organizer-facing admin builds on: querysets, forms' choices and actions
all come from kepu/access.py."""

from django.contrib import admin
from django.db.models import Q, QuerySet

from kepu import access


class AssociationScopedAdmin(admin.ModelAdmin):
    """Superusers see and change everything. Organizers see their association's records (a
    prefecture also its counties') and change only their own association's: the change form, the
    choices of its foreign keys and many-to-many fields, and every action keep to the write scope."""

    association_path = "association"  # ORM path from the model to its Association
    organizers_write = True  # False: organizers only read (records written by services elsewhere)
    organizers_delete = True

    def scope(self, association_ids: list[int]) -> Q:
        return Q(**{f"{self.association_path}__in": association_ids})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(self.scope(access.associations_for_read(request.user)))

    def rows_for_write(self, request, queryset: QuerySet) -> QuerySet:
        """The rows of `queryset` the user may change: what every action acts on."""
        if request.user.is_superuser:
            return queryset
        return queryset.filter(self.scope(access.associations_for_write(request.user)))

    def _is_organizer(self, request) -> bool:
        return access.holds_association(request.user)  # township organizers and partners work on the desk

    def _owns(self, request, obj) -> bool:
        return self.rows_for_write(request, self.model._default_manager.filter(pk=obj.pk)).exists()

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

    # A form links only to what the user may change: another county's event, campaign, venue or
    # organization is not offered, and an id typed or posted by hand is refused as an invalid choice.
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser and "queryset" not in kwargs:
            scoped = access.for_write(request.user, db_field.related_model)
            if scoped is not None:
                kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser and "queryset" not in kwargs:
            scoped = access.for_write(request.user, db_field.related_model)
            if scoped is not None:
                kwargs["queryset"] = scoped
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        # The autocomplete of another admin's form offers what that form accepts: the write scope.
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            queryset = self.rows_for_write(request, queryset)
        return super().get_search_results(request, queryset, search_term)


class ScopedInline(admin.TabularInline):
    """Rows that belong to their parent (an organization's members by year, a site's repairs): whoever
    may change the parent in the admin may change them. Organizers hold no model permissions (their
    rights are the association's scopes), so Django's default would hide the inline from them."""

    def _parent_admin(self):
        return self.admin_site._registry[self.parent_model]

    def has_view_permission(self, request, obj=None):
        return self._parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        parent = self._parent_admin()
        return parent.has_change_permission(request, obj) if obj else parent.has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


from . import admin_logins  # noqa: E402, F401  the sign-in log (django-axes' records), scoped per association

"""Who may read the API: an active user allowed to view the model.

DRF's `DjangoModelPermissions` lets any authenticated user GET and asks for
add/change/delete only on writes. Here every method needs the model's
*view* permission (`ivr.view_callevent`, `ivr.view_call`), the one the
admin asks for, and a method the view does not have then gets 405 rather
than a permission error: the API never writes.
"""

from rest_framework.permissions import DjangoModelPermissions


class CanViewModel(DjangoModelPermissions):
    def has_permission(self, request, view):
        user = request.user
        # Token and session authentication refuse inactive users already;
        # checked again so that this class is right whoever authenticates.
        if not (user and user.is_authenticated and user.is_active):
            return False
        return super().has_permission(request, view)

    def get_required_permissions(self, method, model_cls):
        meta = model_cls._meta
        return [f"{meta.app_label}.view_{meta.model_name}"]

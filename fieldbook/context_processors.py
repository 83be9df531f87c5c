from django.http import HttpRequest

from .roles import Role, user_roles


def roles(request: HttpRequest) -> dict[str, object]:
    held = user_roles(request.user) if hasattr(request, "user") else frozenset()
    return {
        "user_roles": held,
        "is_enabler": Role.ENABLER in held,
        "is_lead": Role.LEAD in held,
        "is_admin": Role.ADMIN in held,
    }

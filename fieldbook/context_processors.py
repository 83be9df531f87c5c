from django.http import HttpRequest

from fieldbook.drafts import DRAFT_DAYS, draft_owner
from fieldbook.roles import Role, user_roles


def roles(request: HttpRequest) -> dict[str, object]:
    held = user_roles(request.user) if hasattr(request, "user") else frozenset()
    return {
        "user_roles": held,
        "is_enabler": Role.ENABLER in held,
        "is_lead": Role.LEAD in held,
        "is_admin": Role.ADMIN in held,
        "is_dpo": Role.DPO in held,
        # On every page's <body>: drafts.js deletes any draft that is not this user's.
        "draft_owner": draft_owner(request.user) if hasattr(request, "user") else "",
        "draft_days": DRAFT_DAYS,
    }

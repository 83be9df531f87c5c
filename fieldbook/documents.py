"""The public documents: the accessibility statement, the privacy notice for people named in the
records, and the contact page. Open to anyone, signed in or not (a board member named in the
records has no account), and linked from every page's footer.

The text is in the templates; what names the operator (who runs this Fieldbook, how to reach
them, the statement's dates) comes from settings (README "The documents"), so a deployment says
who it is without editing a template. No query: these pages read nothing from the database.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fieldbook.access import public


def _operator() -> dict[str, str]:
    contact = settings.FIELDBOOK_CONTACT_EMAIL
    return {
        "name": settings.FIELDBOOK_OPERATOR_NAME,
        "address": settings.FIELDBOOK_OPERATOR_ADDRESS,
        "email": contact,
        "phone": settings.FIELDBOOK_CONTACT_PHONE,
        "dpo_email": settings.FIELDBOOK_DPO_EMAIL or contact,
        "accessibility_email": settings.FIELDBOOK_ACCESSIBILITY_EMAIL or contact,
        "ico_registration": settings.FIELDBOOK_ICO_REGISTRATION,
    }


@require_GET
@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "fieldbook/documents/accessibility.html", {
        "operator": _operator(),
        "prepared_on": settings.FIELDBOOK_A11Y_PREPARED_ON,
        "reviewed_on": settings.FIELDBOOK_A11Y_REVIEWED_ON,
        "tested_on": settings.FIELDBOOK_A11Y_TESTED_ON,
        "tested_by": settings.FIELDBOOK_A11Y_TESTED_BY,
        "idle_minutes": settings.FIELDBOOK_SESSION_IDLE_SECONDS // 60,
    })


@require_GET
@public
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "fieldbook/documents/privacy.html", {"operator": _operator()})


@require_GET
@public
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "fieldbook/documents/contact.html", {"operator": _operator()})

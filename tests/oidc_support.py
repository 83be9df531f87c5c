"""A real OpenID Connect provider for the single sign-on tests: the ``oidc-provider`` npm
package, run by ``tests/oidc/provider.mjs`` in a node process on a free port of 127.0.0.1,
with one client (Fieldbook) and the test accounts below. Not a mock: discovery, the sign-in
page, codes, PKCE, signed ID tokens and the userinfo endpoint are the package's own.
"""

from __future__ import annotations

import json
import select
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
PROVIDER_PASSWORD = "provider-pw-only-in-tests"
CLIENT_SECRET = "client-secret-only-in-tests"

# Accounts at the provider: login -> what the provider says of them.
ACCOUNTS: dict[str, dict[str, Any]] = {
    "jo": {"email": "Jo.Pennington@nhs.net", "email_verified": True, "amr": ["pwd"]},
    "jo-mfa": {"email": "jo.pennington@nhs.net", "email_verified": True, "amr": ["pwd", "mfa"]},
    "jo-aal3": {"email": "jo.pennington@nhs.net", "email_verified": True, "amr": ["pwd"],
                "acr": "AAL3_ANY"},
    "jo-unverified": {"email": "jo.pennington@nhs.net", "email_verified": False},
    "stranger": {"email": "stranger@nhs.net", "email_verified": True},
    "gone": {"email": "gone@nhs.net", "email_verified": True, "amr": ["pwd", "mfa"]},
    "no-email": {"email_verified": True},
}


@dataclass
class RunningProvider:
    issuer: str
    client_id: str
    process: subprocess.Popen[str]

    def setting(self, slug: str, name: str, **extra: Any) -> dict[str, Any]:
        """An entry for ``FIELDBOOK_OIDC_PROVIDERS`` pointing at this provider."""
        return {"slug": slug, "name": name, "issuer": self.issuer, "client_id": self.client_id,
                "client_secret": CLIENT_SECRET, **extra}


@contextmanager
def oidc_provider(redirect_uris: list[str], client_id: str = "fieldbook",
                  accounts: dict[str, dict[str, Any]] | None = None, *,
                  email_in_id_token: bool = False) -> Iterator[RunningProvider]:
    config = {
        "client_id": client_id, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris,
        "conform_id_token_claims": not email_in_id_token,
        "accounts": {login: {"password": PROVIDER_PASSWORD, **claims}
                     for login, claims in (accounts or ACCOUNTS).items()},
    }
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            ["node", str(SCRIPT), json.dumps(config)], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], 20)
            line = process.stdout.readline() if ready else ""
            if not line.startswith("READY "):
                errors.seek(0)
                raise RuntimeError(f"the test OpenID provider did not start: {errors.read()}")
            yield RunningProvider(issuer=line.split()[1], client_id=client_id, process=process)
        finally:
            if process.stdin:
                process.stdin.close()  # it exits when its standard input closes
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def sign_in_at_provider(authorize_url: str, login: str, *, back_to: str,
                        password: str = PROVIDER_PASSWORD) -> str:
    """What a person does at the provider: open its sign-in page (from Fieldbook's redirect),
    type their username and password. Returns the URL the provider sends them back to (on
    Fieldbook, ``back_to``…), without following it."""
    with requests.Session() as browser:
        browser.trust_env = False
        page = browser.get(authorize_url, timeout=10)
        assert page.status_code == 200 and "Test identity provider" in page.text, page.text
        answer = browser.post(page.url, data={"login": login, "password": password},
                              allow_redirects=False, timeout=10)
        for _ in range(10):
            assert answer.status_code in (302, 303), (answer.status_code, answer.text)
            location = urljoin(answer.url, answer.headers["Location"])
            if location.startswith(back_to):
                return location
            answer = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")

"""The page's handlers: sign-in, purpose, find, family context, details, the practitioner sheet.

Each handler reads the session (from the cookie's random id), asks the API what it shows, and renders a
template. What the API refuses is said in words and never worked around: the page shows what the signed-in user
may see, with the purpose they gave, and nothing else.
"""

from __future__ import annotations

import datetime
import hmac
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from auth.circumstances import CASE_REFERENCE
from auth.principal import Purpose
from gateway.request_id import request_id_of
from webapp import words
from webapp.api import ApiResult, InProcessClient
from webapp.demo_sign_in import DemoIdentity, demo_token
from webapp.oidc import OidcSignIn, SignInFailed
from webapp.practitioner_sheet import contact_rows
from webapp.search_form import CMS_ID, date_of_birth, search_errors
from webapp.sessions import COOKIE, SECURE_COOKIE, Session, SessionStore, SignedIn

PAGE_SIZE = 10
SERVICE_VALUE = re.compile(r"^[A-Z_]{1,40}$")

SESSION_EXPIRED = "Your sign-in has ended. Sign in again to carry on."
FORM_EXPIRED = "This form was out of date. Go back, reload the page and try again."
SIGN_IN_FIRST = "Sign in to use this service."
NO_ACCESS = "Your role does not give access to children's records. Ask your manager if you think it should."
UNAVAILABLE = (
    "The case-management system is not answering just now, so nothing can be shown. Try again in a few minutes."
)
BUSY = "The service is busy. Wait a minute and try again."
SOMETHING_WRONG = "Something went wrong. Try again, and if it happens again quote reference {request_id}."
CHILD_NOT_FOUND = "There is no child with CMS id {cms_id}. Check the id, or search by name."
PERSON_NOT_FOUND = "That person could not be found. Go back to the family page and try again."

_SELF = "'self'"


def page_csp(form_targets: Sequence[str] = ()) -> str:
    """The page's CSP: only the gateway's own scripts, styles, fonts and images; forms post to the gateway (and,
    for sign-in, on to the identity provider, which `form-action` must allow for the redirect)."""
    forms = " ".join((_SELF, *form_targets))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        f"connect-src 'self'; form-action {forms}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )


class Pages:
    def __init__(
        self,
        *,
        authority: str,
        sessions: SessionStore,
        templates: Jinja2Templates,
        secure_cookie: bool,
        oidc: OidcSignIn | None,
        demo_key_file: Path | None,
        demo_identities: Sequence[DemoIdentity],
        client: InProcessClient,
    ) -> None:
        if oidc is None and demo_key_file is None:
            raise ValueError("the page needs a way to sign in: [app.oidc] (auth.mode oidc) or the demo's key")
        self.authority = authority
        self.sessions = sessions
        self.templates = templates
        self.secure_cookie = secure_cookie
        self.cookie_name = SECURE_COOKIE if secure_cookie else COOKIE
        self.oidc = oidc
        self.demo_key_file = demo_key_file
        self.demo_identities = {identity.role.value: identity for identity in demo_identities}
        self.client = client
        issuer = urllib.parse.urlsplit(oidc.settings.issuer) if oidc else None
        self.csp = page_csp([f"{issuer.scheme}://{issuer.netloc}"] if issuer else [])

    # ------------------------------------------------------------------ plumbing

    def _session(self, request: Request) -> Session:
        found = self.sessions.get(request.cookies.get(self.cookie_name))
        return found if found is not None else self.sessions.new()

    def render(
        self, request: Request, session: Session, template: str, context: Mapping[str, Any], status: int = 200
    ) -> Response:
        values = {
            "authority": self.authority,
            "session": session,
            "user": session.user,
            "csrf_token": session.csrf_token,
            "purpose_words": PURPOSE_WORDS.get(session.purpose or "", ""),
            **context,
        }
        response = self.templates.TemplateResponse(request, template, values, status_code=status)
        return self._finish(response, session)

    def redirect(self, url: str, session: Session | None) -> Response:
        response = RedirectResponse(url, status_code=303)
        return self._finish(response, session)

    def _finish(self, response: Response, session: Session | None) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = self.csp
        if session is None:
            response.delete_cookie(self.cookie_name, path="/", secure=self.secure_cookie, httponly=True)
        else:
            response.set_cookie(
                self.cookie_name,
                session.id,
                path="/",
                secure=self.secure_cookie,
                httponly=True,
                samesite="lax",  # lax: the identity provider's redirect back to the callback must carry it
            )
        return response

    def error(self, request: Request, session: Session, status: int, title: str, message: str) -> Response:
        return self.render(request, session, "error.html", {"title": title, "message": message}, status=status)

    async def _form(self, request: Request, session: Session) -> FormData | None:
        """The posted form, or None when its CSRF token does not match the session's."""
        form = await request.form()
        sent = form.get("csrf_token")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            return None
        return form

    def _needs(self, request: Request, session: Session, *, purpose: bool = True) -> Response | None:
        """Where to go first: sign in, then state the purpose."""
        if session.user is None:
            return self.redirect("/app/sign-in", session)
        if purpose and (session.purpose is None or session.case_reference is None):
            return self.redirect("/app/purpose", session)
        return None

    async def _ask(self, request: Request, session: Session, operation: str, variables: Mapping[str, Any]) -> ApiResult:
        assert session.user is not None
        return await self.client.of(request).run(
            operation,
            variables,
            token=session.user.token,
            purpose=session.purpose,
            case_reference=session.case_reference,
            request_id=request_id_of(request.scope),
        )

    def _refused(self, request: Request, session: Session, result: ApiResult) -> Response | None:
        """The page for an answer that cannot be shown at all (signed out, refused, busy, broken), or None."""
        codes = result.error_codes()
        if result.unauthenticated:
            session.sign_out()
            return self.render(
                request, session, "sign_in.html", self._sign_in_context(message=SESSION_EXPIRED), status=401
            )
        if "PURPOSE_REQUIRED" in codes and session.purpose is None:
            return self.redirect("/app/purpose", session)  # a purpose the authority narrows a service to is shown
        if ("FORBIDDEN" in codes and result.data is None) or result.status == 403:
            return self.error(request, session, 403, "You do not have access", NO_ACCESS)
        if codes & {"RATE_LIMITED", "OVERLOADED"} or result.status in (429, 503):
            return self.error(request, session, 503, "The service is busy", BUSY)
        if result.data is None:
            message = SOMETHING_WRONG.format(request_id=request_id_of(request.scope))
            return self.error(request, session, 500, "Sorry, there is a problem with the service", message)
        return None

    # ------------------------------------------------------------------ sign-in

    async def start(self, request: Request) -> Response:
        session = self._session(request)
        return self._needs(request, session) or self.redirect("/app/search", session)

    def _sign_in_context(self, message: str | None = None, error: str | None = None) -> dict[str, Any]:
        return {
            "demo_identities": list(self.demo_identities.values()),
            "oidc": self.oidc is not None,
            "message": message,
            "error": error,
            "errors": {"role": error} if error else {},
        }

    async def sign_in(self, request: Request) -> Response:
        session = self._session(request)
        if request.method == "GET":
            return self.render(request, session, "sign_in.html", self._sign_in_context())
        form = await self._form(request, session)
        if form is None:
            return self.error(request, session, 403, "This form was out of date", FORM_EXPIRED)
        if self.oidc is not None:
            try:
                url, pending = await self.oidc.start()
            except SignInFailed as exc:
                return self.render(request, session, "sign_in.html", self._sign_in_context(error=str(exc)), 502)
            session.pending = pending
            return self.redirect(url, session)
        identity = self.demo_identities.get(str(form.get("role", "")))
        if identity is None or self.demo_key_file is None:
            context = self._sign_in_context(error="Choose who to sign in as.")
            return self.render(request, session, "sign_in.html", context, status=400)
        token = demo_token(self.demo_key_file, identity)
        return await self._signed_in(request, session, token, id_token=None)

    async def callback(self, request: Request) -> Response:
        session = self._session(request)
        if self.oidc is None or session.pending is None:
            return self.redirect("/app/sign-in", session)
        pending, session.pending = session.pending, None
        try:
            tokens = await self.oidc.finish(pending, request.query_params)
        except SignInFailed as exc:
            return self.render(request, session, "sign_in.html", self._sign_in_context(error=str(exc)), 401)
        return await self._signed_in(request, session, tokens.access_token, id_token=tokens.id_token)

    async def _signed_in(self, request: Request, session: Session, token: str, *, id_token: str | None) -> Response:
        """Check the token with the API (`me`), then start a fresh session (a new id: no fixation)."""
        result = await self.client.of(request).run(
            "Me", {}, token=token, purpose=None, case_reference=None, request_id=request_id_of(request.scope)
        )
        me = (result.data or {}).get("me")
        if not isinstance(me, dict):
            context = self._sign_in_context(error="Sign-in was refused. Ask your administrator for access.")
            return self.render(request, session, "sign_in.html", context, status=401)
        fresh = self.sessions.renew(session)
        fresh.user = SignedIn(
            token=token,
            user_id=str(me.get("id")),
            name=me.get("name"),
            roles=tuple(str(r) for r in me.get("roles") or ()),
            team=me.get("team"),
            id_token=id_token,
        )
        return self.redirect("/app/purpose", fresh)

    async def sign_out(self, request: Request) -> Response:
        session = self._session(request)
        form = await self._form(request, session)
        if form is None:
            return self.error(request, session, 403, "This form was out of date", FORM_EXPIRED)
        id_token = session.user.id_token if session.user else None
        self.sessions.end(session)
        if self.oidc is not None:
            # Back to our own signed-out page, at the public address the provider knows us by.
            back = self.oidc.settings.redirect_uri.removesuffix("/auth/callback") + "/signed-out"
            url = await self.oidc.sign_out_url(id_token, back)
            if url:
                return self.redirect(url, None)
        return self.redirect("/app/signed-out", None)

    async def signed_out(self, request: Request) -> Response:
        session = self._session(request)
        return self.render(request, session, "signed_out.html", {})

    # ------------------------------------------------------------------ purpose

    async def purpose(self, request: Request) -> Response:
        session = self._session(request)
        needed = self._needs(request, session, purpose=False)
        if needed is not None:
            return needed
        if request.method == "GET":
            values = {"purpose": session.purpose or "", "case_reference": session.case_reference or ""}
            return self.render(request, session, "purpose.html", {"values": values, "errors": {}, "hide_purpose": True})
        form = await self._form(request, session)
        if form is None:
            return self.error(request, session, 403, "This form was out of date", FORM_EXPIRED)
        purpose = str(form.get("purpose", ""))
        case_reference = " ".join(str(form.get("case_reference", "")).split())
        errors: dict[str, str] = {}
        if purpose not in Purpose.__members__:
            errors["purpose"] = "Select why you are looking"
        if not case_reference:
            errors["case_reference"] = "Enter the case reference"
        elif not CASE_REFERENCE.match(case_reference):
            errors["case_reference"] = (
                "Case reference must be up to 64 letters, numbers, spaces or / . _ - and start with a letter or number"
            )
        if errors:
            values = {"purpose": purpose, "case_reference": case_reference}
            context = {"values": values, "errors": errors, "hide_purpose": True}
            return self.render(request, session, "purpose.html", context, status=400)
        session.purpose, session.case_reference = purpose, case_reference
        return self.redirect("/app/search", session)

    # ------------------------------------------------------------------ find

    async def search(self, request: Request) -> Response:
        session = self._session(request)
        needed = self._needs(request, session)
        if needed is not None:
            return needed
        if request.method == "GET":
            return self.render(request, session, "search.html", {"values": dict(session.last_search), "errors": {}})
        form = await self._form(request, session)
        if form is None:
            return self.error(request, session, 403, "This form was out of date", FORM_EXPIRED)
        values = {
            key: " ".join(str(form.get(key, "")).split())
            for key in ("cms_id", "family_name", "given_name", "dob_day", "dob_month", "dob_year", "postcode")
        }
        errors = search_errors(values)
        if errors:
            return self.render(request, session, "search.html", {"values": values, "errors": errors}, status=400)
        if values["cms_id"]:
            return self.redirect(f"/app/child/{urllib.parse.quote(values['cms_id'])}", session)
        session.last_search = values
        session.search_cursors = [None]
        return await self._results_page(request, session, page=1)

    async def results(self, request: Request) -> Response:
        session = self._session(request)
        needed = self._needs(request, session)
        if needed is not None:
            return needed
        if not session.last_search:
            return self.redirect("/app/search", session)
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            page = 1
        return await self._results_page(request, session, page=min(page, len(session.search_cursors)))

    async def _results_page(self, request: Request, session: Session, *, page: int) -> Response:
        values = session.last_search
        search_input: dict[str, Any] = {"familyName": values["family_name"]}
        if values.get("given_name"):
            search_input["givenName"] = values["given_name"]
        if values.get("postcode"):
            search_input["postcode"] = values["postcode"].upper()
        born = date_of_birth(values)
        if born is not None:
            search_input["dateOfBirth"] = born.isoformat()
        variables = {"input": search_input, "first": PAGE_SIZE, "after": session.search_cursors[page - 1]}
        result = await self._ask(request, session, "FindPeople", variables)
        if "BAD_USER_INPUT" in result.error_codes() and not (result.data or {}).get("searchPeople"):
            errors = {"family_name": result.errors[0].message}
            return self.render(request, session, "search.html", {"values": values, "errors": errors}, status=400)
        refused = self._refused(request, session, result)
        if refused is not None:
            return refused
        found = (result.data or {}).get("searchPeople")
        if found is None:
            return self.error(request, session, 403, "You do not have access", NO_ACCESS)
        if found.get("endCursor") and len(session.search_cursors) == page:
            session.search_cursors.append(found["endCursor"])
        total = int(found.get("totalCount") or 0)
        context = {
            "values": values,
            "errors": {},
            "found": found,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "first_shown": (page - 1) * PAGE_SIZE + 1,
            "has_next": bool(found.get("endCursor")),
        }
        return self.render(request, session, "results.html", context)

    # ------------------------------------------------------------------ the family

    async def _child(self, request: Request, session: Session, cms_id: str) -> tuple[dict[str, Any] | None, Response]:
        """The family-context answer for `cms_id`, or the page that says why not."""
        if not CMS_ID.match(cms_id):
            message = CHILD_NOT_FOUND.format(cms_id="")
            return None, self.error(request, session, 404, "Child not found", message)
        result = await self._ask(request, session, "FamilyContext", {"cmsId": cms_id})
        refused = self._refused(request, session, result)
        if refused is not None:
            return None, refused
        child = (result.data or {}).get("child")
        codes = result.error_codes()
        if child is None:
            if "SOURCE_UNAVAILABLE" in codes:
                return None, self.error(request, session, 503, "Sorry, the service is unavailable", UNAVAILABLE)
            if "FORBIDDEN" in codes:
                return None, self.error(request, session, 403, "You do not have access", NO_ACCESS)
            message = CHILD_NOT_FOUND.format(cms_id=cms_id)
            return None, self.error(request, session, 404, "Child not found", message)
        return child, Response(status_code=204)

    async def family(self, request: Request) -> Response:
        return await self._family_page(request, "family.html")

    async def sheet(self, request: Request) -> Response:
        """The contact sheet to print: the family page's contacts, with when it was printed."""
        return await self._family_page(request, "sheet.html", printed=True)

    async def _family_page(self, request: Request, template: str, *, printed: bool = False) -> Response:
        session = self._session(request)
        needed = self._needs(request, session)
        if needed is not None:
            return needed
        child, page = await self._child(request, session, request.path_params["cms_id"])
        if child is None:
            return page
        context: dict[str, Any] = {"child": child, "sheet": contact_rows(child)}
        if printed:
            context["printed"] = datetime.datetime.now().strftime("%-d %B %Y at %H:%M")
        return self.render(request, session, template, context)

    async def details(self, request: Request) -> Response:
        session = self._session(request)
        needed = self._needs(request, session)
        if needed is not None:
            return needed
        cms_id = request.path_params["cms_id"]
        person_id = request.query_params.get("person", "")
        service = request.query_params.get("service", "")
        if not person_id or len(person_id) > 200 or not SERVICE_VALUE.match(service) or not CMS_ID.match(cms_id):
            return self.error(request, session, 404, "Page not found", PERSON_NOT_FOUND)
        result = await self._ask(request, session, "ServiceDetails", {"id": person_id, "service": service})
        if "BAD_USER_INPUT" in result.error_codes() or "NOT_FOUND" in result.error_codes():
            return self.error(request, session, 404, "Page not found", PERSON_NOT_FOUND)
        refused = self._refused(request, session, result)
        if refused is not None:
            return refused
        person = (result.data or {}).get("node")
        if not isinstance(person, dict):
            return self.error(request, session, 404, "Page not found", PERSON_NOT_FOUND)
        withheld = [e.message for e in result.errors if e.code in ("FORBIDDEN", "PURPOSE_REQUIRED")]
        context = {"person": person, "cms_id": cms_id, "service": service, "withheld": withheld}
        return self.render(request, session, "details.html", context)


PURPOSE_WORDS = {value: label for value, (label, _) in words.PURPOSES.items()}

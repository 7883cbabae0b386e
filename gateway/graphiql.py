"""GraphiQL, served from the package's own vendored files: council networks cannot reach a CDN.

The page opens with the family-context query, and, when the gateway is given them (the demo), with request headers
already in GraphiQL's headers editor: a bearer token and a purpose, so that the example runs at once. Both are
injected as JSON inside `<script type="application/json">` elements, escaped so that no value can end the element
(no inline script: the page's CSP allows only the gateway's own scripts).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse

STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
PLACEHOLDER = 'id="graphiql-default-query">{{DEFAULT_QUERY}}<'
HEADERS_PLACEHOLDER = 'id="graphiql-default-headers">{{DEFAULT_HEADERS}}<'

# Only the gateway's own scripts; GraphiQL needs inline styles. Never framed; no <base> tricks.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

EXAMPLE_QUERY = """# The family-context query: a child, the people around the child, and who to call.
query FamilyContext($cmsId: ID! = "C000001") {
  child(cmsId: $cmsId) {
    cmsId
    name { full }
    dateOfBirth
    age
    allocatedWorker { name team phone email }
    serviceChecks { service outcome explanation }
    household {
      address { line1 postcode }
      members {
        relationshipToChild
        livesWithChild
        basis { system kind }
        individual {
          name { full }
          age
          serviceChecks {
            service
            outcome
            explanation
            involvements {
              status
              organisation
              practitioner { name role team phone email }
              ... on PoliceInvolvement { safeguardingOffences { date category involvement } hasNonSafeguardingRecords }
              ... on HousingInvolvement { antiSocialBehaviour eviction noticeSeekingPossession rentArrears }
              ... on SchoolInvolvement { schoolName admissionType }
              source { system match { level score reasons } }
            }
          }
        }
      }
    }
  }
}
"""


def script_json(value: object) -> str:
    """`value` as JSON that is safe inside a <script> element: `<`, `>` and `&` escaped, so that a value holding
    `</script>` or `<!--` cannot end the element early (JSON.parse turns the escapes back into the characters)."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(default_query: str = EXAMPLE_QUERY, default_headers: Mapping[str, str] | None = None) -> str:
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    headers = script_json(dict(default_headers or {}))
    page = template.replace(PLACEHOLDER, f'id="graphiql-default-query">{script_json(default_query)}<', 1)
    return page.replace(HEADERS_PLACEHOLDER, f'id="graphiql-default-headers">{headers}<', 1)


class GraphiQLPage:
    def __init__(self, default_query: str = EXAMPLE_QUERY, default_headers: Mapping[str, str] | None = None) -> None:
        self._html = render_page(default_query, default_headers)

    async def respond(self, request: Request) -> HTMLResponse:
        return HTMLResponse(
            self._html,
            # The page can carry a bearer token (the demo's): never cached, by the browser or anything between.
            headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"},
        )

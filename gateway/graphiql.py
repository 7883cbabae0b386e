"""GraphiQL, served from the package's own vendored files: council networks cannot reach a CDN."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse

STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
PLACEHOLDER = 'id="graphiql-default-query">{{DEFAULT_QUERY}}<'

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


def render_page(default_query: str = EXAMPLE_QUERY) -> str:
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    # A JSON string literal, safe inside a <script> element.
    literal = json.dumps(default_query).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace(PLACEHOLDER, f'id="graphiql-default-query">{literal}<', 1)


class GraphiQLPage:
    def __init__(self, default_query: str = EXAMPLE_QUERY) -> None:
        self._html = render_page(default_query)

    async def respond(self, request: Request) -> HTMLResponse:
        return HTMLResponse(
            self._html,
            headers={
                "Content-Security-Policy": (
                    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'"
                ),
                "X-Content-Type-Options": "nosniff",
            },
        )

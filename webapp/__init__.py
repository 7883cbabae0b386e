"""The social worker's page: the family context on one screen, in GOV.UK style, served under /app.

A real client of the public GraphQL API: every page asks `/graphql` (in-process, through the gateway's whole
middleware stack) for exactly the fields it shows, with the signed-in user's token and the purpose and case
reference the user gave, so every access and audit rule applies unchanged. Server-rendered (Jinja2), GOV.UK
Frontend (vendored under `static/govuk`), and every page works without JavaScript.
"""

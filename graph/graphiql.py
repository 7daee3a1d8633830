"""GraphiQL served from the package's own assets: a working explorer with no internet."""

import json
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"

DEFAULT_QUERY = """# Welcome to CourseGraph. Press ▶ to run; X-Portal (Headers below) picks the portal.
# Anonymous visitors see the published catalog. To see more, run SignIn (demo accounts:
# admin@, instructor@ or learner@northwind.example, password coursegraph-demo) and add
#   "Authorization": "Bearer <accessToken>"
# to the headers.
query Catalog {
  courses(first: 5, filter: { status: PUBLISHED }) {
    totalCount
    nodes {
      title
      status
      portal { name timeZone }
      sections { title modules { title kind } }
      modules { id title kind ... on VideoModule { url provider } ... on QuizModule { retakesAllowed } }
    }
    pageInfo { hasNextPage endCursor }
  }
}

mutation SignIn {
  tokenCreate(input: { email: "admin@northwind.example", password: "coursegraph-demo" }) {
    accessToken
    user { fullName memberships { role portal { slug } } }
    errors { code message }
  }
}
"""

DEFAULT_HEADERS = {"X-Portal": "northwind"}


def graphiql_page() -> HTMLResponse:
    html = (STATIC / "graphiql.html").read_text()
    html = html.replace("__DEFAULT_QUERY__", json.dumps(DEFAULT_QUERY))
    html = html.replace("__DEFAULT_HEADERS__", json.dumps(json.dumps(DEFAULT_HEADERS, indent=2)))
    return HTMLResponse(html)


def graphiql_assets() -> Mount:
    return Mount("/graphiql-assets", app=StaticFiles(directory=STATIC / "graphiql"), name="graphiql-assets")

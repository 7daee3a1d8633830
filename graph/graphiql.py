"""GraphiQL served from the package's own assets: a working explorer with no internet.

It opens on the demo academy's northwind portal with an example Authorization header. The page's
fetcher leaves that header out while it is still the example, so the first run works anonymously,
and puts SignIn's access token in its place; subscriptions go over graphql-transport-ws on the
same URL, the headers in `connection_init` as the app reads them (graph/context.py)."""

import json
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"

AUTHORIZATION_EXAMPLE = "Bearer <accessToken from SignIn>"

DEFAULT_QUERY = """# Welcome to CourseGraph. Press ▶ and pick an operation.
# X-Portal (in Headers, below) picks the portal. The
# example Authorization header is left out until SignIn
# puts its accessToken there, so Catalog shows what an
# anonymous visitor sees: the published catalog.
# Demo accounts: admin@, instructor@ or
# learner@northwind.example, password coursegraph-demo
# (change SignIn's email to switch).
query Catalog {
  courses(first: 5, filter: { status: PUBLISHED }) {
    totalCount
    nodes {
      title
      status
      portal { name timeZone }
      sections { title modules { title kind } }
      modules {
        id title kind
        ... on VideoModule { url provider }
        ... on QuizModule { retakesAllowed }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}

mutation SignIn {
  tokenCreate(input: {
    email: "admin@northwind.example"
    password: "coursegraph-demo"
  }) {
    accessToken
    user { fullName memberships { role portal { slug } } }
    errors { code message }
  }
}

# After SignIn, as an admin or the course's instructor:
# a course, its modules, and its learners' enrollments
# with their progress module by module (anonymous
# visitors see no enrollments).
query Roster {
  courses(first: 1, filter: { status: PUBLISHED }) {
    nodes {
      id
      title
      modules { title kind }
      enrollments(first: 5) {
        totalCount
        nodes {
          user { fullName }
          status
          progress { display }
          moduleProgress { module { title } status }
        }
      }
    }
  }
}

# Live, over WebSocket: put Roster's course id in
# Variables and run it, then change an enrollment of
# that course in another tab (an admin's
# enrollmentResetProgress, a learner's moduleComplete):
# it shows up here.
subscription ProgressUpdates($courseId: ID!) {
  enrollmentProgressUpdated(courseId: $courseId) {
    id
    user { fullName }
    status
    progress { display }
  }
}
"""

DEFAULT_HEADERS = {"X-Portal": "northwind", "Authorization": AUTHORIZATION_EXAMPLE}
DEFAULT_VARIABLES = {"courseId": "<id of a course from Roster>"}


def graphiql_page() -> HTMLResponse:
    config = {
        "query": DEFAULT_QUERY,
        "headers": json.dumps(DEFAULT_HEADERS, indent=2),
        "variables": json.dumps(DEFAULT_VARIABLES, indent=2),
        "authorizationExample": AUTHORIZATION_EXAMPLE,
    }
    # `<` escaped: nothing in the config can close the page's <script> element
    html = (STATIC / "graphiql.html").read_text().replace("__CONFIG__", json.dumps(config).replace("<", "\\u003c"))
    return HTMLResponse(html)


def graphiql_assets() -> Mount:
    return Mount("/graphiql-assets", app=StaticFiles(directory=STATIC / "graphiql"), name="graphiql-assets")

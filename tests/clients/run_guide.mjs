// Runs the Apollo Client guide (docs/clients/apollo.md) as a learner of the live service.
// Usage: node run_guide.mjs <guide module> <email> <password>
// The guide module is the guide's code blocks in order, pointed at the service, exporting what
// this script uses. Prints one JSON object of what happened; the Python test asserts on it.
import { WebSocket } from "ws";

globalThis.WebSocket = WebSocket; // a browser has one; node 20 does not

// Every HTTP request the client sends, to show persisted queries going by GET.
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, options = {}) => {
  const response = await realFetch(url, options);
  const sent = typeof options.body === "string" ? JSON.parse(options.body) : null;
  const address = new URL(url);
  requests.push({
    method: options.method ?? "GET",
    operation: sent?.operationName ?? address.searchParams.get("operationName"),
    hashed: Boolean(sent?.extensions?.persistedQuery ?? address.searchParams.get("extensions")),
    withText: Boolean(sent?.query ?? address.searchParams.get("query")),
    multipart: typeof options.body === "object" && options.body !== null,
    status: response.status,
  });
  return response;
};

const [guidePath, email, password] = process.argv.slice(2);
const guide = await import(guidePath);
const report = { requests };

report.wrongPassword = await guide.signIn(email, `${password}-wrong`);
report.signIn = await guide.signIn(email, password);

report.catalog = await guide.loadCatalog(2);

// An access token that no longer works: the client refreshes once and the query goes through.
const before = guide.session.refreshToken;
guide.session.accessToken = "expired";
const mine = await guide.client.query({ query: guide.MY_COURSES });
report.refreshed = guide.session.refreshToken !== before && guide.session.accessToken !== "expired";
const enrollments = mine.data.viewer.enrollments.edges.map((edge) => edge.node);
report.myCourses = enrollments;

// A subscription to the course's progress, then completions until its first update arrives
// (the server starts listening a moment after the subscribe message; each completion is real).
const textual = enrollments.find((node) => node.course.modules.some((module) => module.kind === "TEXT"));
const updates = [];
let arrived;
const first = new Promise((resolve) => {
  arrived = resolve;
});
const watching = guide.watchProgress(textual.course.id, (enrollment) => {
  updates.push(enrollment);
  arrived();
});
report.completions = [];
try {
  for (const module of textual.course.modules.filter((candidate) => candidate.kind === "TEXT")) {
    report.completions.push(await guide.completeModule(textual.id, module.id));
    const seen = await Promise.race([first.then(() => true), new Promise((resolve) => setTimeout(resolve, 3000, false))]);
    if (seen) break;
  }
} finally {
  watching.unsubscribe();
}
report.updates = updates;
const cached = guide.client.readQuery({ query: guide.MY_COURSES });
report.cachedAfterUpdates = cached.viewer.enrollments.edges.find((edge) => edge.node.id === textual.id).node;

// A refused mutation: a module of another course.
const other = enrollments.find((node) => node.course.id !== textual.course.id);
report.refused = await guide.completeModule(textual.id, other.course.modules[0].id);

// An upload to a file assignment.
const assignment = enrollments
  .flatMap((node) => node.course.modules)
  .find((module) => module.kind === "ASSIGNMENT");
report.upload = await guide.submitAssignment(assignment.id, [
  new File(["%PDF-1.4 plan"], "plan.pdf", { type: "application/pdf" }),
]);

report.cost = guide.pacing.cost;
report.shouldPause = guide.shouldPause();

await guide.client.stop();
await guide.ws.client.dispose();
console.log(JSON.stringify(report));

// Runs graphql-http's auditServer against a live CourseGraph and prints one line per check.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql  (exit status 1 when a MUST or SHOULD fails)
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
let failed = 0;
for (const result of results) {
  const level = result.name.split(' ')[0];
  if (result.status !== 'ok' && (level === 'MUST' || level === 'SHOULD')) failed += 1;
  const detail = result.status === 'ok' ? '' : ` — ${result.reason}`;
  console.log(`${result.status.padEnd(5)} ${result.id} ${result.name}${detail}`);
}
const ok = results.filter((r) => r.status === 'ok').length;
console.log(`${ok}/${results.length} checks ok; ${failed} MUST or SHOULD checks failed`);
process.exit(failed ? 1 : 0);

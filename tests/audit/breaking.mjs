// Lists the breaking changes from the released schema to the current one (graphql-inspector).
// Usage: node breaking.mjs RELEASED.graphql CURRENT.graphql  (exit status 1 when there is one)
// Removing a field that was deprecated first is not a break: that is how fields go.
import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { CriticalityLevel, DiffRule, diff } from '@graphql-inspector/core';

const [released, current] = process.argv.slice(2).map((path) => buildSchema(readFileSync(path, 'utf8')));
const changes = await diff(released, current, [DiffRule.suppressRemovalOfDeprecatedField]);
const breaking = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
for (const change of changes) console.log(`${change.criticality.level.padEnd(13)} ${change.message}`);
console.log(`${changes.length} changes since the released schema; ${breaking.length} breaking`);
process.exit(breaking.length ? 1 : 0);

#!/usr/bin/env node
// Check the composed supergraph against the public API contract.
//
//   node supergraph/check-contract.mjs [supergraph.graphql]
//
// Supergraph: the argument, else env SUPERGRAPH_PATH, else <repo>/schema.graphql.
// Contract:   env CONTRACT_PATH, else <repo>/contract/contract.graphql (the repo's own copy).
// Only the parts of the contract owned by subgraphs composed into the supergraph are
// checked (see lib/contract.mjs for the rules). Exit 1 when anything is missing or
// incompatible, 2 when a file cannot be read.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiSchemaFromSupergraph, checkContract, composedSubgraphNames } from './lib/contract.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const supergraphPath = path.resolve(process.argv[2] || process.env.SUPERGRAPH_PATH || path.join(repo, 'schema.graphql'));
const contractPath = path.resolve(process.env.CONTRACT_PATH || path.join(repo, 'contract', 'contract.graphql'));

function read(p, what) {
  try {
    return readFileSync(p, 'utf8');
  } catch (e) {
    console.error(`error: cannot read the ${what} ${p}: ${e.code ?? e.message}`);
    process.exit(2);
  }
}
const supergraphSdl = read(supergraphPath, 'supergraph');
const contractSdl = read(contractPath, 'contract');

let apiSchema;
let subgraphs;
try {
  subgraphs = composedSubgraphNames(supergraphSdl);
  apiSchema = apiSchemaFromSupergraph(supergraphSdl);
} catch (e) {
  console.error(`error: ${supergraphPath} is not a valid supergraph: ${e.message}`);
  process.exit(2);
}
const { problems, checkedTypes, checkedFields, skipped } = checkContract({ contractSdl, apiSchema, subgraphs });

console.log(`contract:   ${contractPath}`);
console.log(`supergraph: ${supergraphPath} (subgraphs: ${subgraphs.join(', ') || 'none'})`);
console.log(`checked ${checkedTypes.length} types and ${checkedFields} fields: ${checkedTypes.join(', ')}`);
for (const [owner, items] of skipped) {
  console.log(`skipped, ${owner} not composed yet: ${items.join(', ')}`);
}
if (problems.length) {
  console.log(`\nCONTRACT CHECK FAILED: ${problems.length} problem(s):`);
  for (const p of problems) console.log(`  - ${p}`);
  process.exit(1);
}
console.log('contract check passed');

#!/usr/bin/env node
// Compose the subgraphs in supergraph.yaml into the supergraph SDL at the repo root.
//
//   node supergraph/compose.mjs            write ../schema.graphql
//   node supergraph/compose.mjs --check    exit 1 if ../schema.graphql is missing or stale
//
// Env: SUPERGRAPH_CONFIG  config path (default supergraph/supergraph.yaml)
//      SUPERGRAPH_OUT     output path  (default <repo>/schema.graphql)
//      SUBGRAPH_<NAME>_URL overrides that subgraph's routing_url
// Hints go to stderr; composition errors go to stderr and exit 1.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeSubgraphs, loadConfig, COMPOSITION_VERSION } from './lib/compose.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const check = args.includes('--check');
const unknown = args.filter((a) => a !== '--check');
if (unknown.length) {
  console.error(`usage: node compose.mjs [--check]   (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}
const configPath = process.env.SUPERGRAPH_CONFIG || path.join(here, 'supergraph.yaml');
const outPath = path.resolve(process.env.SUPERGRAPH_OUT || path.join(here, '..', 'schema.graphql'));

const { errors: configErrors, subgraphs } = loadConfig(configPath);
if (configErrors.length) {
  for (const e of configErrors) console.error(`error: ${e}`);
  process.exit(1);
}
const { supergraphSdl, hints, errors } = composeSubgraphs(subgraphs);
for (const h of hints) console.error(`hint: ${h}`);
if (errors.length) {
  console.error(`composition failed with ${errors.length} error(s) (@apollo/composition ${COMPOSITION_VERSION}):`);
  for (const e of errors) console.error(`error: ${e}`);
  process.exit(1);
}
const names = subgraphs.map((s) => s.name).join(', ');
if (check) {
  const current = existsSync(outPath) ? readFileSync(outPath, 'utf8') : null;
  if (current === supergraphSdl) {
    console.error(`ok: ${outPath} is up to date (subgraphs: ${names})`);
    process.exit(0);
  }
  console.error(
    current === null
      ? `stale: ${outPath} does not exist; run: node supergraph/compose.mjs`
      : `stale: ${outPath} differs from a fresh composition of ${names}; run: node supergraph/compose.mjs`,
  );
  process.exit(1);
}
writeFileSync(outPath, supergraphSdl);
console.error(`wrote ${outPath} (subgraphs: ${names}; @apollo/composition ${COMPOSITION_VERSION})`);

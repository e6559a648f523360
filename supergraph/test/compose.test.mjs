import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkFederationVersion, composeSubgraphs, loadConfig, urlEnvName, COMPOSITION_VERSION } from '../lib/compose.mjs';

test('the committed supergraph.yaml pins the installed composition version', async () => {
  const { readFileSync } = await import('node:fs');
  const yaml = readFileSync(new URL('../supergraph.yaml', import.meta.url), 'utf8');
  const wanted = yaml.match(/^federation_version:\s*(\S+)/m)[1];
  assert.equal(checkFederationVersion(wanted), null);
  assert.equal(wanted, `=${COMPOSITION_VERSION}`);
});

test('federation_version checks', () => {
  assert.equal(checkFederationVersion('=2.14.4', '2.14.4'), null);
  assert.match(checkFederationVersion('=2.13.0', '2.14.4'), /2\.13\.0/);
  assert.equal(checkFederationVersion('2', '2.14.4'), null);
  assert.equal(urlEnvName('users'), 'SUBGRAPH_USERS_URL');
  assert.equal(urlEnvName('order-items'), 'SUBGRAPH_ORDER_ITEMS_URL');
});

test('loadConfig resolves files relative to the yaml, applies env URL overrides, reports missing files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sg-'));
  writeFileSync(path.join(dir, 'a.graphql'), 'type Query { a: String }');
  writeFileSync(path.join(dir, 'sg.yaml'), [
    `federation_version: =${COMPOSITION_VERSION}`,
    'subgraphs:',
    '  a: { routing_url: http://127.0.0.1:1/graphql, schema: { file: a.graphql } }',
    '  b: { routing_url: http://127.0.0.1:2/graphql, schema: { file: missing.graphql } }',
  ].join('\n'));
  const { errors, subgraphs } = loadConfig(path.join(dir, 'sg.yaml'), { SUBGRAPH_A_URL: 'http://a:9/graphql' });
  assert.equal(subgraphs.length, 1);
  assert.equal(subgraphs[0].url, 'http://a:9/graphql');
  assert.equal(errors.length, 1);
  assert.match(errors[0], /subgraph b: cannot read its schema .*missing\.graphql/);
});

test('composition errors are returned, not thrown', () => {
  const a = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\ntype Query { x: String }';
  const b = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\ntype Query { x: Int }';
  const r = composeSubgraphs([{ name: 'a', url: 'http://a/graphql', typeDefsText: a }, { name: 'b', url: 'http://b/graphql', typeDefsText: b }]);
  assert.equal(r.supergraphSdl, undefined);
  assert.ok(r.errors.length >= 1);
});

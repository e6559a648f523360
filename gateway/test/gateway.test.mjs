// Integration tests of the fallback gateway against a stub subgraph (plain node:http +
// graphql-js, no federation library needed since the supergraph is composed here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireDep } from '../lib/deps.mjs';
import { composeSubgraphs } from '../../supergraph/lib/compose.mjs';
import { makeFormatError } from '../lib/errors.mjs';
import { parseDuration } from '../lib/config.mjs';
import { startGateway } from '../server.mjs';

const { buildSchema, graphql } = requireDep('graphql');

const SUBGRAPH_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type User @key(fields: "id") { id: ID! name: String! }
type Seen { authorization: String traceparent: String tracestate: String requestId: String cookie: String }
type Query {
  me: User
  seen: Seen
  forbidden: String
  noCode: String
  slow: String
  http500: String
  http503: String
}
`;
const EXEC_SDL = SUBGRAPH_SDL.replace(/^extend schema.*$/m, '').replace(' @key(fields: "id")', '');

let stub;
let stubUrl;
let gw;
let gwProd;
let supergraphPath;
const logs = [];
const logger = {
  log: (o) => logs.push(o),
  apollo: { debug() {}, info() {}, warn() {}, error: (...a) => logs.push({ level: 'error', msg: a.join(' ') }) },
};

function listen(server) {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
}
async function freePort() {
  const s = http.createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

before(async () => {
  const schema = buildSchema(EXEC_SDL);
  stub = http.createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    const { query, variables } = JSON.parse(body);
    if (query.includes('http500')) {
      res.writeHead(500, { 'content-type': 'text/html' });
      return res.end('<h1>oops at http://10.0.0.7:4001/internal</h1>');
    }
    if (query.includes('http503')) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      return res.end('unavailable');
    }
    if (query.includes('slow')) await new Promise((r) => setTimeout(r, 1500));
    const h = req.headers;
    const rootValue = {
      me: () => ({ id: '1', name: 'Ann' }),
      seen: () => ({
        authorization: h.authorization, traceparent: h.traceparent, tracestate: h.tracestate,
        requestId: h['x-request-id'], cookie: h.cookie,
      }),
      slow: () => 'done',
    };
    const result = await graphql({ schema, source: query, variableValues: variables, rootValue });
    const out = { ...result };
    if (query.includes('forbidden')) {
      out.data = { forbidden: null };
      out.errors = [{ message: 'Not allowed', path: ['forbidden'], extensions: { code: 'FORBIDDEN', stacktrace: ['at secret.py:1'] } }];
    }
    if (query.includes('noCode')) {
      out.data = { noCode: null };
      out.errors = [{ message: 'Something broke', path: ['noCode'] }];
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  });
  stubUrl = `http://127.0.0.1:${await listen(stub)}/graphql`;
  const { supergraphSdl, errors } = composeSubgraphs([{ name: 'users', url: stubUrl, typeDefsText: SUBGRAPH_SDL }]);
  assert.deepEqual(errors, []);
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-test-'));
  supergraphPath = path.join(dir, 'schema.graphql');
  writeFileSync(supergraphPath, supergraphSdl);
  const common = { host: '127.0.0.1', port: 0, healthPort: 0, supergraphPath, subgraphTimeoutMs: 700, subgraphUrl: () => undefined };
  gw = await startGateway({ ...common, corsOrigins: ['http://localhost:4000'] }, { logger });
  gwProd = await startGateway({ ...common, production: true, introspection: false, graphiql: false }, { logger });
});

after(async () => {
  await gw?.stop();
  await gwProd?.stop();
  stub?.close();
});

async function post(url, query, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
}

test('a query is answered and the four headers are propagated, others are not', async () => {
  const r = await post(gw.url, '{ me { id name } seen { authorization traceparent tracestate requestId cookie } }', {
    authorization: 'Bearer abc',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    tracestate: 'k=v',
    'x-request-id': 'req-1',
    cookie: 'session=1',
  });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, {
    data: {
      me: { id: '1', name: 'Ann' },
      seen: {
        authorization: 'Bearer abc', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        tracestate: 'k=v', requestId: 'req-1', cookie: null,
      },
    },
  });
  const line = logs.find((l) => l.msg === 'request' && l.requestId === 'req-1');
  assert.ok(line, 'one JSON log line per request');
  assert.equal(line.status, 200);
  assert.equal(line.path, '/graphql');
});

test('subgraph errors keep their code, lose stack traces; code-less ones get INTERNAL_SERVER_ERROR', async () => {
  const r = await post(gw.url, '{ forbidden }');
  assert.deepEqual(r.json.errors, [{ message: 'Not allowed', path: ['forbidden'], extensions: { code: 'FORBIDDEN', service: 'users' } }]);
  const r2 = await post(gw.url, '{ noCode }');
  assert.equal(r2.json.errors[0].extensions.code, 'INTERNAL_SERVER_ERROR');
});

test('a subgraph answering HTTP 500 with HTML gives INTERNAL_SERVER_ERROR, 503 gives UPSTREAM_UNAVAILABLE, no URL', async () => {
  const r = await post(gw.url, '{ http500 }');
  assert.equal(r.json.errors[0].extensions.code, 'INTERNAL_SERVER_ERROR');
  assert.doesNotMatch(r.text, /10\.0\.0\.7|127\.0\.0\.1|http:/);
  const r2 = await post(gw.url, '{ http503 }');
  assert.equal(r2.json.errors[0].extensions.code, 'UPSTREAM_UNAVAILABLE');
});

test('a subgraph timeout gives UPSTREAM_UNAVAILABLE', async () => {
  const r = await post(gw.url, '{ slow }');
  assert.deepEqual(r.json.errors, [{ message: 'The users service did not answer in time', extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'users' } }]);
  assert.deepEqual(r.json.data, { slow: null });
});

test('a subgraph that is down gives UPSTREAM_UNAVAILABLE naming no URL', async () => {
  const port = await freePort();
  // Same supergraph, routing URL overridden to a closed port (SUBGRAPH_USERS_URL).
  const gwDown = await startGateway(
    { host: '127.0.0.1', port: 0, healthPort: 0, supergraphPath, subgraphUrl: (n) => (n === 'users' ? `http://127.0.0.1:${port}/graphql` : undefined) },
    { logger },
  );
  try {
    const r = await post(gwDown.url, '{ me { id } }', { authorization: 'Bearer x' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      data: { me: null },
      errors: [{ message: 'The users service is unavailable', extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'users' } }],
    });
    assert.doesNotMatch(r.text, /127\.0\.0\.1|http:|ECONNREFUSED/);
  } finally {
    await gwDown.stop();
  }
});

test('CORS: allowed origin gets the allow headers, others do not', async () => {
  const ok = await fetch(gw.url, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:4000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
  });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:4000');
  assert.equal(ok.headers.get('access-control-allow-headers'), 'content-type, authorization, apollographql-client-name');
  assert.match(ok.headers.get('access-control-allow-methods'), /POST/);
  const bad = await fetch(gw.url, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
  assert.equal(bad.headers.get('access-control-allow-origin'), null);
  const actual = await post(gw.url, '{ me { id } }', { origin: 'http://localhost:4000' });
  assert.equal(actual.headers.get('access-control-allow-origin'), 'http://localhost:4000');
});

test('health answers {"status":"UP"}', async () => {
  const r = await fetch(gw.healthUrl);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'UP' });
  assert.equal((await fetch(gw.healthUrl + '?ready')).status, 200);
});

test('GET queries work (with a CSRF-safe header); bodies over the limit get 413', async () => {
  const r = await fetch(`${gw.url}?query=${encodeURIComponent('{ me { id } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
  assert.deepEqual(await r.json(), { data: { me: { id: '1' } } });
  const big = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2 * 1024 * 1024 + 1) });
  assert.equal(big.status, 413);
});

test('the explorer page and its local assets are served, with a same-origin CSP', async () => {
  const base = gw.url.replace(/\/graphql$/, '');
  for (const p of ['/', '/graphql']) {
    const page = await fetch(base + p, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /text\/html/);
    assert.match(page.headers.get('content-security-policy'), /default-src 'self'/);
    const html = await page.text();
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((s) => !s.startsWith('data:'));
    assert.ok(srcs.length >= 5);
    for (const s of srcs) {
      assert.ok(s.startsWith('/graphiql/assets/'), `local asset ${s}`);
      const a = await fetch(base + s);
      assert.equal(a.status, 200, s);
      await a.arrayBuffer();
    }
  }
  assert.equal((await fetch(base + '/graphiql/assets/../../server.mjs')).status, 404);
});

test('introspection on by default; production: off, and no explorer', async () => {
  const q = '{ __schema { queryType { name } } }';
  assert.equal((await post(gw.url, q)).json.data.__schema.queryType.name, 'Query');
  const r = await post(gwProd.url, q);
  const { code, reason } = r.json.errors[0].extensions;
  assert.deepEqual([code, reason], ['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']);
  const page = await fetch(gwProd.url.replace(/\/graphql$/, '/'), { headers: { accept: 'text/html' } });
  assert.equal(page.status, 404);
});

test('formatError: internal errors are masked, codes always set, stacktraces dropped', () => {
  const seen = [];
  const fe = makeFormatError((o) => seen.push(o));
  assert.deepEqual(
    fe({ message: 'connect ECONNREFUSED http://10.1.2.3:4001', extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['x'] } }, new Error('x')),
    { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
  );
  assert.equal(seen.length, 1);
  assert.deepEqual(
    fe({ message: 'bad', extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'orders' } }),
    { message: 'bad', extensions: { code: 'INTERNAL_SERVER_ERROR', service: 'orders' } },
  );
  assert.deepEqual(fe({ message: 'm', path: ['a'] }), { message: 'Internal server error', path: ['a'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
});

test('durations parse like the router config', () => {
  assert.equal(parseDuration(undefined, 30000), 30000);
  assert.equal(parseDuration('30s', 0), 30000);
  assert.equal(parseDuration('1500ms', 0), 1500);
  assert.equal(parseDuration('2', 0), 2000);
  assert.throws(() => parseDuration('soon', 0));
});

test('an unknown operation name gets 400 BAD_USER_INPUT (reason GRAPHQL_UNKNOWN_OPERATION_NAME), like the router', async () => {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ me { id } }', operationName: 'Me' }),
  });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { errors: [{ message: 'Unknown operation named "Me"', extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_UNKNOWN_OPERATION_NAME' } }] });
});

test('metrics on the health listener, under the router\'s names', async () => {
  await post(gw.url, 'query Who { me { id } }');
  await post(gw.url, '{ forbidden }');
  const r = await fetch(gw.healthUrl.replace(/\/health$/, '/metrics'));
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await r.text();
  assert.match(text, /^http_server_request_duration_seconds_count\{http_request_method="POST",http_response_status_code="200"\} \d+$/m);
  assert.match(text, /^http_client_request_duration_seconds_bucket\{subgraph_name="[a-z]+",le="\+Inf"\} [1-9]\d*$/m);
  assert.match(text, /^apollo_router_graphql_error_total\{code="FORBIDDEN"\} [1-9]\d*$/m);
  assert.match(text, /^shopgraph_gateway_operation_duration_seconds_count\{graphql_operation_name="Who",graphql_operation_type="query"\} 1$/m);
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
});

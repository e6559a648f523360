// The gateway against the real supergraph (schema.graphql), before any subgraph is asked:
// document limits (issue 8 D1), subscriptions (D4), contract codes for every error of the
// gateway's own (D5), automatic persisted queries (D7) and the listen address (W6).
// Every subgraph URL points at a closed port: nothing here needs one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTRACT_CODES, CONTRACT_CODE_FOR, contractCode } from '../lib/errors.mjs';
import { DEFAULT_LIMITS, DocumentLimitError, checkDocument } from '../lib/limits.mjs';
import { loadConfig } from '../lib/config.mjs';
import { requireDep } from '../lib/deps.mjs';
import { startGateway } from '../server.mjs';

const { getIntrospectionQuery } = requireDep('graphql');

const CLOSED = 'http://127.0.0.1:9/graphql';
const logs = [];
const logger = {
  log: (o) => logs.push(o),
  apollo: {
    debug() {},
    info() {},
    warn: (...a) => logs.push({ level: 'warn', msg: a.join(' ') }),
    error: (...a) => logs.push({ level: 'error', msg: a.join(' ') }),
  },
};
let gw;

before(async () => {
  gw = await startGateway({ host: '127.0.0.1', port: 0, healthPort: 0, subgraphUrl: () => CLOSED }, { logger });
});
after(async () => {
  await gw?.stop();
});

const JSON_HEADERS = { 'content-type': 'application/json' };

async function send(body, { method = 'POST', headers = JSON_HEADERS, search = '' } = {}) {
  const res = await fetch(gw.url + search, { method, headers, body });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}
const post = (payload) => send(JSON.stringify(payload));
const aliases = (n, field) => `{${Array.from({ length: n }, (_, i) => ` a${i}: ${field}`).join('')} }`;
const errorLines = () => logs.filter((l) => l.level === 'error');

// A message must not carry a URL, a file path or a stack frame.
const LEAK = /https?:\/\/|\bat .+:\d+:\d+|node_modules|\.m?js\b|\/(?:work|home|root|usr)\//;

function assertContractErrors(r, label) {
  assert.ok(r.json && Array.isArray(r.json.errors) && r.json.errors.length > 0, `${label}: ${r.status} ${r.text.slice(0, 200)}`);
  for (const e of r.json.errors) {
    assert.ok(CONTRACT_CODES.has(e.extensions?.code), `${label}: code ${e.extensions?.code} is not in the contract`);
    assert.doesNotMatch(e.message, LEAK, `${label}: ${e.message}`);
    assert.equal(e.extensions.stacktrace, undefined, label);
  }
}

test('D1: a 100,000 __typename alias bomb is refused before planning while a probe is answered', async () => {
  const bomb = JSON.stringify({ query: aliases(100_000, '__typename') });
  assert.ok(bomb.length > 1_500_000 && bomb.length < 2 * 1024 * 1024, `${bomb.length} bytes, under the body limit`);
  const started = performance.now();
  const bombs = [0, 1].map(() => send(bomb).then((r) => ({ ...r, at: performance.now() - started })));
  // The probe leaves while both bombs are in flight.
  const probeLeft = performance.now() - started;
  const probe = await post({ query: '{ __typename }' });
  const probeDone = performance.now() - started;
  const refused = await Promise.all(bombs);

  assert.deepEqual(probe.json, { data: { __typename: 'Query' } });
  assert.ok(probeLeft < Math.min(...refused.map((r) => r.at)), 'the probe was sent while the bombs were in flight');
  for (const r of refused) {
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.errors.map((e) => [e.extensions.code, e.extensions.reason]), [['BAD_USER_INPUT', 'TOKEN_LIMIT_EXCEEDED']]);
  }
  // Measured, not asserted (timings depend on the machine's load).
  console.log(`# bombs refused after ${refused.map((r) => r.at.toFixed(0)).join(', ')} ms; probe answered after ${(probeDone - probeLeft).toFixed(0)} ms`);
});

test('D1: 8,000 product(id) aliases are refused by the token limit, 1,000 by the root-field cap', async () => {
  const big = await post({ query: aliases(8000, 'product(id: "p") { id name }') });
  assert.equal(big.status, 400);
  assert.deepEqual(big.json.errors[0].extensions, { code: 'BAD_USER_INPUT', reason: 'TOKEN_LIMIT_EXCEEDED' });
  const mid = await post({ query: aliases(1000, 'product(id: "p") { id }') });
  assert.equal(mid.status, 400);
  assert.deepEqual(mid.json.errors[0].extensions, { code: 'BAD_USER_INPUT', reason: 'MAX_ROOT_FIELDS_EXCEEDED' });
  assert.equal(errorLines().length, 0);
});

test('D1: deep nesting, alias and field caps (fragments expanded), GET too', async () => {
  const deep = await post({ query: `{ ${'me { '.repeat(DEFAULT_LIMITS.maxRecursion + 1)}id${' }'.repeat(DEFAULT_LIMITS.maxRecursion + 1)} }` });
  assert.deepEqual(deep.json.errors[0].extensions, { code: 'BAD_USER_INPUT', reason: 'RECURSION_LIMIT_EXCEEDED' });
  // 2^12 aliases from a 13-fragment chain that doubles at each step.
  const chain = Array.from({ length: 12 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
  const fragBomb = await post({ query: `query { me { id } ...F0 } ${chain} fragment F12 on Query { t: __typename }` });
  assert.deepEqual(fragBomb.json.errors[0].extensions, { code: 'BAD_USER_INPUT', reason: 'MAX_ROOT_FIELDS_EXCEEDED' });
  const nested = await post({ query: `{ me { ${Array.from({ length: 40 }, (_, i) => `a${i}: id`).join(' ')} } }` });
  assert.deepEqual(nested.json.errors[0].extensions, { code: 'BAD_USER_INPUT', reason: 'MAX_ALIASES_EXCEEDED' });
  const get = await send(undefined, {
    method: 'GET',
    headers: { 'apollo-require-preflight': 'true' },
    search: `?query=${encodeURIComponent(aliases(25, '__typename'))}`,
  });
  assert.equal(get.status, 400);
  assert.equal(get.json.errors[0].extensions.reason, 'MAX_ROOT_FIELDS_EXCEEDED');
  // Under the caps: answered.
  const fine = await post({ query: aliases(DEFAULT_LIMITS.maxRootFields, '__typename') });
  assert.equal(fine.json.data.a0, 'Query');
});

test('checkDocument: each limit is inclusive, and syntax errors are left to Apollo Server', () => {
  const limits = { maxTokens: 10, maxRecursion: 2, maxRootFields: 2, maxAliases: 1, maxFields: 3 };
  const refused = (q) => {
    try {
      checkDocument(q, limits);
      return null;
    } catch (e) {
      assert.ok(e instanceof DocumentLimitError);
      return e.reason;
    }
  };
  assert.equal(refused('{ a b }'), null);
  assert.equal(refused('{ a b c }'), 'MAX_ROOT_FIELDS_EXCEEDED');
  assert.equal(refused('{ x: a }'), null);
  assert.equal(refused('{ x: a y: b }'), 'MAX_ALIASES_EXCEEDED');
  assert.equal(refused('{ a { b } }'), null);
  assert.equal(refused('{ a { b { c } } }'), 'RECURSION_LIMIT_EXCEEDED');
  assert.equal(refused('{ a { b c d } }'), 'MAX_FIELDS_EXCEEDED');
  assert.equal(refused('{ a b } # ten tokens is the limit'), null);
  assert.equal(refused('query Q { a b c d e f g }'), 'TOKEN_LIMIT_EXCEEDED');
  assert.equal(refused('{ a( '), null);
  assert.equal(refused('"unterminated'), null);
  assert.equal(refused(undefined), null);
  // The explorer's and the tools' introspection query fits the default limits.
  const full = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });
  assert.doesNotThrow(() => checkDocument(full));
});

test('D4: a subscription is a 400 BAD_USER_INPUT, not a 500', async () => {
  const r = await post({ query: 'subscription S { __typename }' });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json.errors, [{ message: 'Subscriptions are not supported', extensions: { code: 'BAD_USER_INPUT', reason: 'SUBSCRIPTION_NOT_SUPPORTED' } }]);
  assert.equal(errorLines().length, 0);
});

test('D5: a fuzz of bad requests gets only contract codes, 4xx statuses, no internals, no error logs', async () => {
  const hash = (q) => createHash('sha256').update(q).digest('hex');
  const apq = (h) => ({ persistedQuery: { version: 1, sha256Hash: h } });
  const preflight = { 'apollo-require-preflight': 'true' };
  const cases = {
    'bad JSON': ['{"query": "{ __typename }"', {}],
    'JSON that is not an object': ['"just a string"', {}],
    'empty body': ['', {}],
    'no query': ['{"variables": {}}', {}],
    'query not a string': ['{"query": 42}', {}],
    'variables not an object': [JSON.stringify({ query: '{ __typename }', variables: [1] }), {}],
    'GET without query': [undefined, { method: 'GET', headers: preflight }],
    'GET without the CSRF header': [undefined, { method: 'GET', headers: {}, search: '?query=%7B__typename%7D' }],
    'GET mutation': [undefined, { method: 'GET', headers: preflight, search: `?query=${encodeURIComponent('mutation { __typename }')}` }],
    'PUT': [JSON.stringify({ query: '{ __typename }' }), { method: 'PUT' }],
    'wrong content type (text/plain)': ['{ __typename }', { headers: { 'content-type': 'text/plain' } }],
    'form content type': ['query=%7B__typename%7D', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    'unknown operation name': [JSON.stringify({ query: 'query A { __typename }', operationName: 'B' }), {}],
    'two operations, no name': [JSON.stringify({ query: 'query A { __typename } query B { __typename }' }), {}],
    'syntax error': [JSON.stringify({ query: '{ __typename' }), {}],
    'unknown field': [JSON.stringify({ query: '{ nope }' }), {}],
    'unused variable': [JSON.stringify({ query: 'query($a: Int) { __typename }' }), {}],
    'wrong variable type': [JSON.stringify({ query: 'query($id: ID!) { product(id: $id) { id } }', variables: { id: { a: 1 } } }), {}],
    'missing variable': [JSON.stringify({ query: 'query($id: ID!) { product(id: $id) { id } }' }), {}],
    'subscription': [JSON.stringify({ query: 'subscription { __typename }' }), {}],
    'huge body': ['x'.repeat(2 * 1024 * 1024 + 10), {}],
    'APQ unknown hash': [JSON.stringify({ extensions: apq(hash('{ never sent }')) }), {}],
    'APQ hash mismatch': [JSON.stringify({ query: '{ __typename }', extensions: apq(hash('{ other }')) }), {}],
    'APQ bad version': [JSON.stringify({ extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } } }), {}],
    'batch of bad operations': [JSON.stringify([{ query: '{ nope }' }, { query: '{' }, {}]), {}],
    'empty batch': ['[]', {}],
    'token bomb': [JSON.stringify({ query: aliases(6000, '__typename') }), {}],
  };
  const before = errorLines().length;
  const seen = {};
  for (const [label, [body, opts]] of Object.entries(cases)) {
    const r = await send(body, opts);
    assertContractErrors(r, label);
    assert.ok(r.status < 500, `${label}: HTTP ${r.status}`);
    seen[label] = `${r.status} ${r.json.errors.map((e) => `${e.extensions.code}/${e.extensions.reason ?? '-'}`).join(',')}`;
  }
  console.log(`# ${JSON.stringify(seen, null, 1)}`);
  assert.deepEqual(errorLines().slice(before), []);
});

test('D5: one mapping table, onto contract codes only', () => {
  for (const [from, to] of Object.entries(CONTRACT_CODE_FOR)) {
    assert.ok(CONTRACT_CODES.has(to), `${from} -> ${to}`);
    assert.ok(!CONTRACT_CODES.has(from), from);
    assert.deepEqual(contractCode(from), { code: to, reason: from, known: true });
  }
  assert.deepEqual(contractCode('RATE_LIMITED'), { code: 'RATE_LIMITED', reason: undefined, known: true });
  assert.deepEqual(contractCode('SOMETHING_NEW'), { code: 'INTERNAL_SERVER_ERROR', reason: 'SOMETHING_NEW', known: false });
});

test('D7: automatic persisted queries work; unknown and mismatched hashes get contract codes', async () => {
  const query = `query Apq${Date.now()} { __typename }`;
  const sha256Hash = createHash('sha256').update(query).digest('hex');
  const extensions = { persistedQuery: { version: 1, sha256Hash } };
  const before = errorLines().length;

  const unknown = await post({ extensions });
  assert.deepEqual(unknown.json.errors, [{ message: 'PersistedQueryNotFound', extensions: { code: 'NOT_FOUND', reason: 'PERSISTED_QUERY_NOT_FOUND' } }]);
  const registered = await post({ query, extensions });
  assert.deepEqual(registered.json, { data: { __typename: 'Query' } });
  const byHash = await post({ extensions });
  assert.deepEqual(byHash.json, { data: { __typename: 'Query' } });
  const mismatch = await post({ query: '{ __typename }', extensions });
  assert.equal(mismatch.status, 400);
  assert.deepEqual(mismatch.json.errors, [{ message: 'provided sha does not match query', extensions: { code: 'BAD_USER_INPUT', reason: 'PERSISTED_QUERY_HASH_MISMATCH' } }]);
  assert.deepEqual(errorLines().slice(before), [], 'a client mistake is no error-level log line');
});

test('W6: the gateway and the explorer listen on loopback unless GATEWAY_HOST says otherwise', async () => {
  assert.equal(loadConfig({}).host, '127.0.0.1');
  assert.equal(loadConfig({ ENVIRONMENT: 'production' }).host, '127.0.0.1');
  assert.equal(loadConfig({ GATEWAY_HOST: '0.0.0.0' }).host, '0.0.0.0');
  const own = await startGateway({ port: 0, healthPort: 0, subgraphUrl: () => CLOSED }, { logger });
  try {
    assert.deepEqual(own.addresses, ['127.0.0.1', '127.0.0.1']);
  } finally {
    await own.stop();
  }
  const explorer = await startExplorer('http://127.0.0.1:9');
  try {
    assert.equal(explorer.address, '127.0.0.1');
  } finally {
    explorer.stop();
  }
});

async function startExplorer(routerUrl) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../explorer.mjs', import.meta.url))], {
    env: { ...process.env, EXPLORER_PORT: '0', EXPLORER_HOST: '', ROUTER_URL: routerUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d)));
    child.once('exit', (code) => reject(new Error(`explorer exited ${code}`)));
  });
  const { address, port } = JSON.parse(line);
  return { address, url: `http://127.0.0.1:${port}/graphql`, stop: () => child.kill('SIGTERM') };
}

test('the explorer forwards a POST with its Content-Length (the router refuses one without)', async () => {
  let seen;
  const router = http.createServer((req, res) => {
    seen = req.headers;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data":{"__typename":"Query"}}');
    });
  });
  await new Promise((r) => router.listen(0, '127.0.0.1', r));
  const explorer = await startExplorer(`http://127.0.0.1:${router.address().port}`);
  try {
    const body = JSON.stringify({ query: '{ __typename }' });
    const res = await fetch(explorer.url, { method: 'POST', headers: JSON_HEADERS, body });
    assert.deepEqual(await res.json(), { data: { __typename: 'Query' } });
    assert.equal(seen['content-length'], String(Buffer.byteLength(body)));
    assert.equal(seen['transfer-encoding'], undefined);
  } finally {
    explorer.stop();
    router.close();
  }
});

test('D5: the router\'s Rhai table and code list are this gateway\'s, and the contract\'s', () => {
  const rhai = readFileSync(new URL('../../router/rhai/main.rhai', import.meta.url), 'utf8');
  const body = (name) => {
    const start = rhai.indexOf(`fn ${name}() {`);
    assert.ok(start >= 0, name);
    return rhai.slice(start, rhai.indexOf('\n}\n', start));
  };
  const table = Object.fromEntries([...body('contract_code_for').matchAll(/^\s*([A-Z_]+): "([A-Z_]+)",/gm)].map((m) => [m[1], m[2]]));
  const codes = [...body('contract_codes').matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]);
  assert.deepEqual(table, { ...CONTRACT_CODE_FOR });
  assert.deepEqual(new Set(codes), CONTRACT_CODES);
  // contract/contract.graphql lists the codes in its header comment.
  const contract = readFileSync(new URL('../../contract/contract.graphql', import.meta.url), 'utf8');
  const header = contract.slice(contract.indexOf('# Errors:'), contract.indexOf('# Authentication:'));
  assert.deepEqual(new Set([...header.matchAll(/^#\s+([A-Z][A-Z_]+)\s/gm)].map((m) => m[1])), CONTRACT_CODES);
});

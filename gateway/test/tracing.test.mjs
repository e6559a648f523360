// The gateway's spans, recorded in memory from a real gateway in front of a real HTTP stub
// subgraph: the client's trace is continued, the server span is named by the operation, each
// subgraph call is a client span whose context the subgraph receives, errors carry their
// contract code, and the request's log line carries the trace and span ids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireDep } from '../lib/deps.mjs';
import { composeSubgraphs } from '../../supergraph/lib/compose.mjs';
import { startGateway } from '../server.mjs';
import { SpanStatusCode, startTracing, stopTracing } from '../lib/tracing.mjs';

const { buildSchema, graphql } = requireDep('graphql');
const { InMemorySpanExporter, SimpleSpanProcessor } = requireDep('@opentelemetry/sdk-trace-base');

const SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { hello: String forbidden: String }
`;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';

const exporter = new InMemorySpanExporter();
const logs = [];
const seenTraceparents = [];
let stub;
let gw;

function listen(server) {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
}

before(async () => {
  startTracing({ endpoint: '', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const schema = buildSchema(SDL.replace(/^extend schema.*$/m, ''));
  stub = http.createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    seenTraceparents.push(req.headers.traceparent);
    const { query } = JSON.parse(body);
    const out = await graphql({ schema, source: query, rootValue: { hello: () => 'hi' } });
    if (query.includes('forbidden')) {
      out.data = { forbidden: null };
      out.errors = [{ message: 'Not allowed', path: ['forbidden'], extensions: { code: 'FORBIDDEN' } }];
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  });
  const url = `http://127.0.0.1:${await listen(stub)}/graphql`;
  const { supergraphSdl, errors } = composeSubgraphs([{ name: 'users', url, typeDefsText: SDL }]);
  assert.deepEqual(errors, []);
  const supergraphPath = path.join(mkdtempSync(path.join(tmpdir(), 'gw-trace-')), 'schema.graphql');
  writeFileSync(supergraphPath, supergraphSdl);
  const logger = { log: (o) => logs.push(o), apollo: { debug() {}, info() {}, warn() {}, error() {} } };
  gw = await startGateway(
    { host: '127.0.0.1', port: 0, healthPort: 0, supergraphPath, subgraphTimeoutMs: 2000, subgraphUrl: () => undefined },
    { logger },
  );
});

after(async () => {
  await gw?.stop();
  stub?.close();
  await stopTracing();
});

async function post(query, headers = {}) {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return res.json();
}

test('the client trace is continued: server span by operation, subgraph call as a client span', async () => {
  exporter.reset();
  seenTraceparents.length = 0;
  const body = await post('query Greeting { hello }', { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`, 'x-request-id': 'traced-1' });
  assert.deepEqual(body, { data: { hello: 'hi' } });
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID);
  const server = spans.find((s) => s.name === 'query Greeting');
  assert.ok(server, spans.map((s) => s.name).join(', '));
  assert.equal(server.parentSpanId, CLIENT_SPAN_ID);
  assert.equal(server.attributes['graphql.operation.type'], 'query');
  assert.equal(server.attributes['graphql.operation.name'], 'Greeting');
  assert.equal(server.attributes['http.response.status_code'], 200);
  // Apollo Gateway's own spans sit between: plan, execute, fetch.
  assert.ok(spans.some((s) => s.name === 'gateway.plan'), spans.map((s) => s.name).join(', '));
  const [client] = spans.filter((s) => s.name === 'POST /graphql');
  assert.equal(client.attributes['peer.service'], 'users');
  // The subgraph gets the same trace id, with the gateway's client span as its parent.
  assert.deepEqual(seenTraceparents, [`00-${TRACE_ID}-${client.spanContext().spanId}-01`]);
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  let ancestor = client;
  while (ancestor && ancestor !== server) ancestor = byId.get(ancestor.parentSpanId);
  assert.equal(ancestor, server, 'the client span is under the server span');
  const line = logs.find((l) => l.msg === 'request' && l.requestId === 'traced-1');
  assert.equal(line['trace.id'], TRACE_ID);
  assert.equal(line['span.id'], server.spanContext().spanId);
});

test('an error is recorded with its contract code as error.type', async () => {
  exporter.reset();
  const body = await post('query Refused { forbidden }');
  assert.equal(body.errors[0].extensions.code, 'FORBIDDEN');
  const server = exporter.getFinishedSpans().find((s) => s.name === 'query Refused');
  assert.equal(server.attributes['error.type'], 'FORBIDDEN');
  assert.deepEqual(server.attributes['graphql.error.codes'], ['FORBIDDEN']);
  assert.equal(server.status.code, SpanStatusCode.ERROR);
});

test('a request without traceparent starts a trace of its own', async () => {
  exporter.reset();
  await post('{ hello }');
  const server = exporter.getFinishedSpans().find((s) => s.name === 'query anonymous');
  assert.ok(server);
  assert.equal(server.parentSpanId, undefined);
});

#!/usr/bin/env node
// The offline GraphiQL explorer on a port of its own, for when the gateway is Apollo Router:
// the router serves no static files, and its own Sandbox loads from Apollo's CDN. The page
// posts to /graphql on this server, which pipes it unchanged to the router, so every answer
// is the router's own (headers, errors, CORS-free because same-origin for the browser).
//
// Env: EXPLORER_PORT (4080), EXPLORER_HOST (127.0.0.1), ROUTER_URL (http://127.0.0.1:4000)
import http from 'node:http';
import { ASSET_PREFIX, createGraphiQL } from './lib/graphiql.mjs';

const port = Number(process.env.EXPLORER_PORT || 4080);
const host = process.env.EXPLORER_HOST || '127.0.0.1';
const router = new URL(process.env.ROUTER_URL || 'http://127.0.0.1:4000');
const graphiql = createGraphiQL();

function send(res, { status, headers, body }) {
  res.writeHead(status, headers);
  res.end(body);
}

function forward(req, res) {
  // Only what a GraphQL request needs crosses: no cookies, no hop-by-hop headers.
  // content-length too: the router refuses a POST of unknown length (router/rhai/main.rhai).
  const keep = ['content-type', 'content-length', 'accept', 'authorization', 'traceparent',
    'tracestate', 'x-request-id', 'apollographql-client-name', 'apollo-require-preflight'];
  const headers = Object.fromEntries(keep.filter((h) => req.headers[h]).map((h) => [h, req.headers[h]]));
  const upstream = http.request(
    { hostname: router.hostname, port: router.port, path: req.url, method: req.method, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
      answer.pipe(res);
    },
  );
  upstream.on('error', () => send(res, {
    status: 502,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ errors: [{ message: 'The gateway is unavailable', extensions: { code: 'UPSTREAM_UNAVAILABLE' } }] }),
  }));
  req.pipe(upstream);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://explorer');
  if (req.method === 'GET' && url.pathname.startsWith(ASSET_PREFIX)) {
    const asset = graphiql.asset(url.pathname);
    return asset ? send(res, asset) : send(res, { status: 404, headers: {}, body: '' });
  }
  if (req.method === 'GET' && url.pathname === '/') return send(res, graphiql.page());
  if (url.pathname === '/graphql') return forward(req, res);
  return send(res, { status: 404, headers: {}, body: '' });
});

// Loopback by default (EXPLORER_HOST): the page is a development tool.
server.listen(port, host, () => {
  const { address, port: bound } = server.address();
  process.stdout.write(JSON.stringify({ level: 'info', message: `explorer on http://${host}:${bound}/ for ${router.origin}/graphql`, address, port: bound }) + '\n');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));

#!/usr/bin/env node
// shopgraph fallback gateway: Apollo Gateway (static supergraph, no introspection of
// subgraphs) + Apollo Server on node:http, behaving like Apollo Router with
// router/router.yaml. Run: node gateway/server.mjs (deps: npm ci --prefix supergraph).
//
// Env: GATEWAY_HOST (127.0.0.1; the Helm chart sets 0.0.0.0), GATEWAY_PORT (4000),
//      GATEWAY_HEALTH_PORT (8088),
//      SUPERGRAPH_PATH (<repo>/schema.graphql), CORS_ORIGINS (comma separated),
//      SUBGRAPH_TIMEOUT (30s), SUBGRAPH_<NAME>_URL (routing URL override),
//      GATEWAY_MAX_BODY_BYTES (2 MiB), ENVIRONMENT (production: no introspection, no explorer),
//      GATEWAY_MAX_ROOT_FIELDS (20), GATEWAY_MAX_ALIASES (30), GATEWAY_MAX_FIELDS (500).
import http from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './lib/config.mjs';
import { requireDep } from './lib/deps.mjs';
import { SubgraphDataSource } from './lib/datasource.mjs';
import { gatewayError, makeFormatError } from './lib/errors.mjs';
import { DocumentLimitError, checkDocument } from './lib/limits.mjs';
import { ASSET_PREFIX, createGraphiQL } from './lib/graphiql.mjs';
import { CONTENT_TYPE as METRICS_CONTENT_TYPE, GatewayMetrics } from './lib/metrics.mjs';
import { SpanStatusCode, context, logIds, recordErrorCodes, startServerSpan, startTracing, stopTracing, trace } from './lib/tracing.mjs';

const { ApolloServer, HeaderMap } = requireDep('@apollo/server');
const { ApolloServerPluginLandingPageDisabled } = requireDep('@apollo/server/plugin/disabled');
const { ApolloGateway } = requireDep('@apollo/gateway');
const { GraphQLError } = requireDep('graphql');

// Allowed request headers for CORS, as in router.yaml's cors.allow_headers.
const CORS_ALLOW_HEADERS = 'content-type, authorization, apollographql-client-name';
const CORS_ALLOW_METHODS = 'GET, POST, OPTIONS';

/** One JSON line per event on stdout, with the active span's `trace.id` and `span.id`. */
export function makeLogger(write = (line) => process.stdout.write(line + '\n')) {
  const log = (fields) =>
    write(JSON.stringify({ time: new Date().toISOString(), ...logIds(trace.getActiveSpan()), ...fields }));
  return {
    log,
    // For Apollo Server and Apollo Gateway.
    apollo: {
      debug() {},
      info: (...a) => log({ level: 'info', msg: a.join(' ') }),
      warn: (...a) => log({ level: 'warn', msg: a.join(' ') }),
      error: (...a) => log({ level: 'error', msg: a.join(' ') }),
    },
  };
}

class HttpError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Refusals before Apollo Server sees the request, so that nothing expensive runs for them:
 * documents over the limits (lib/limits.mjs), and an automatic-persisted-query version
 * other than 1 or a hash that does not match its query (Apollo Server throws those
 * without a code, as internal errors). Batches (arrays) are left to Apollo Server, which
 * refuses them (batching is off, as in the router).
 */
function refuseEarly(params, limits) {
  if (!params || typeof params !== 'object' || Array.isArray(params)) return;
  const { query } = params;
  try {
    checkDocument(query, limits);
  } catch (e) {
    if (e instanceof DocumentLimitError) throw new HttpError(400, e.message, e.reason);
    throw e;
  }
  let { extensions } = params;
  if (typeof extensions === 'string') {
    try {
      extensions = JSON.parse(extensions);
    } catch {
      return; // Apollo Server refuses it
    }
  }
  const persisted = extensions?.persistedQuery;
  if (persisted !== undefined && persisted?.version !== 1) {
    throw new HttpError(400, 'Unsupported persisted query version', 'PERSISTED_QUERY_NOT_SUPPORTED');
  }
  const hash = persisted?.sha256Hash;
  if (typeof query === 'string' && typeof hash === 'string'
      && createHash('sha256').update(query).digest('hex') !== hash) {
    throw new HttpError(400, 'provided sha does not match query', 'PERSISTED_QUERY_HASH_MISMATCH');
  }
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `Request body larger than ${limit} bytes`, 'PAYLOAD_TOO_LARGE'));
      req.resume();
      return;
    }
    const chunks = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, `Request body larger than ${limit} bytes`, 'PAYLOAD_TOO_LARGE'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => !failed && resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', (e) => !failed && reject(e));
  });
}

function sendJson(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(body);
}

function wantsHtml(req, url) {
  const accept = String(req.headers.accept || '');
  return req.method === 'GET' && accept.includes('text/html') && !url.searchParams.has('query');
}

export async function startGateway(overrides = {}, { logger = makeLogger() } = {}) {
  const config = { ...loadConfig(), ...overrides };
  const { log } = logger;
  const supergraphSdl = readFileSync(config.supergraphPath, 'utf8');
  const metrics = new GatewayMetrics();

  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: logger.apollo,
    buildService: ({ name, url }) =>
      new SubgraphDataSource({ name, url: config.subgraphUrl?.(name) || url, timeoutMs: config.subgraphTimeoutMs, metrics }),
  });

  const apollo = new ApolloServer({
    gateway,
    logger: logger.apollo,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true, // like the router: GET / simple POSTs need a non-simple header
    stopOnTerminationSignals: false, // main() handles SIGINT/SIGTERM itself
    formatError: makeFormatError(log),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      {
        async requestDidStart() {
          const started = process.hrtime.bigint();
          return {
            // Apollo Gateway throws (-> HTTP 500) for an operationName that is not in the
            // document; answer like the router: 400, GRAPHQL_UNKNOWN_OPERATION_NAME.
            async didResolveOperation({ contextValue, operation, request }) {
              // Spans named by operation, as the subgraphs name theirs: "mutation PlaceOrder".
              if (operation && contextValue?.span) {
                const name = request.operationName ?? operation.name?.value;
                contextValue.span.updateName(`${operation.operation} ${name || 'anonymous'}`);
                contextValue.span.setAttribute('graphql.operation.type', operation.operation);
                contextValue.span.setAttribute('graphql.operation.name', name || '');
              }
              // Apollo Gateway plans a subscription into an HTTP 500 (INVALID_GRAPHQL); the
              // supergraph has no subscriptions, and the router says 400 for them too.
              if (operation?.operation === 'subscription') {
                throw new GraphQLError('Subscriptions are not supported', {
                  extensions: { code: 'SUBSCRIPTION_NOT_SUPPORTED', http: { status: 400 } },
                });
              }
              if (operation) return;
              throw new GraphQLError(
                request.operationName
                  ? `Unknown operation named "${request.operationName}"`
                  : 'Must provide operation name if query contains multiple operations.',
                { extensions: { code: 'GRAPHQL_UNKNOWN_OPERATION_NAME', http: { status: 400 } } },
              );
            },
            async willSendResponse({ contextValue, request, response, operation, operationName }) {
              const seconds = Number(process.hrtime.bigint() - started) / 1e9;
              metrics.observeOperation(operationName ?? request.operationName, operation?.operation, seconds);
              const sent = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
              for (const e of sent ?? []) metrics.errors.inc({ code: e.extensions?.code ?? 'INTERNAL_SERVER_ERROR' });
              const entry = contextValue?.logEntry;
              if (!entry) return;
              if (request.operationName) entry.operation = request.operationName;
              const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
              if (errors?.length) entry.errors = errors.map((e) => e.extensions?.reason ?? e.extensions?.code ?? 'UNKNOWN');
              if (contextValue.span) recordErrorCodes(contextValue.span, errors?.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  const graphiql = config.graphiql ? createGraphiQL() : null;
  const allowedOrigins = new Set(config.corsOrigins);

  async function handle(req, res, url, entry, span) {
    const origin = req.headers.origin;
    const corsHeaders = {};
    if (origin && allowedOrigins.has(origin)) {
      corsHeaders['access-control-allow-origin'] = origin;
    }
    if (origin) corsHeaders.vary = 'Origin';
    for (const [k, v] of Object.entries(corsHeaders)) res.setHeader(k, v);

    if (req.method === 'OPTIONS') {
      // CORS preflight. An origin that is not allowed gets no allow-* headers.
      if (corsHeaders['access-control-allow-origin']) {
        res.setHeader('access-control-allow-methods', CORS_ALLOW_METHODS);
        res.setHeader('access-control-allow-headers', CORS_ALLOW_HEADERS);
      }
      res.writeHead(204, { 'content-length': '0' });
      res.end();
      return;
    }
    if (graphiql && req.method === 'GET' && url.pathname.startsWith(ASSET_PREFIX)) {
      const asset = graphiql.asset(url.pathname);
      if (!asset) return sendJson(res, 404, { errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
      res.writeHead(asset.status, asset.headers);
      res.end(asset.body);
      return;
    }
    if (graphiql && (url.pathname === '/' || url.pathname === '/graphql') && wantsHtml(req, url)) {
      const page = graphiql.page();
      res.writeHead(page.status, page.headers);
      res.end(page.body);
      return;
    }
    if (url.pathname !== '/graphql') {
      return sendJson(res, 404, { errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
    }

    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    let body;
    if (req.method === 'POST') {
      const text = await readBody(req, config.maxBodyBytes);
      const type = String(req.headers['content-type'] || '');
      if (type.includes('application/json') || type.includes('application/graphql-response+json')) {
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          throw new HttpError(400, 'Invalid JSON in the request body', 'BAD_REQUEST');
        }
      } else {
        body = text;
      }
    }
    refuseEarly(req.method === 'GET' ? Object.fromEntries(url.searchParams) : body, config.limits);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method, headers, search: url.search, body },
      context: async () => ({ incomingHeaders: headers, clientAddress: req.socket.remoteAddress, logEntry: entry, span }),
    });
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url || '/', 'http://gateway.invalid');
    const entry = {
      level: 'info',
      msg: 'request',
      method: req.method,
      path: url.pathname,
      requestId: req.headers['x-request-id'] || randomUUID(),
    };
    const { span, ctx } = startServerSpan(req, url.pathname);
    Object.assign(entry, logIds(span));
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.durationMs = Number((process.hrtime.bigint() - started) / 1000n) / 1000;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      log(entry);
      if (url.pathname === '/graphql' && req.method !== 'OPTIONS') {
        metrics.requests.observe(
          { http_request_method: req.method, http_response_status_code: res.statusCode },
          entry.durationMs / 1000,
        );
      }
    });
    context.with(ctx, () => handle(req, res, url, entry, span)).catch((e) => {
      if (e instanceof HttpError) {
        const error = gatewayError(e.message, e.code);
        entry.errors = [error.extensions.reason ?? error.extensions.code];
        recordErrorCodes(span, [error.extensions.code]);
        // An unread body (413) must not be taken for the next request on this connection.
        if (!res.headersSent) sendJson(res, e.status, { errors: [error] }, e.status === 413 ? { connection: 'close' } : {});
        return;
      }
      recordErrorCodes(span, ['INTERNAL_SERVER_ERROR']);
      log({ level: 'error', msg: 'unhandled error', ...logIds(span), error: String(e?.message ?? e), stack: e?.stack });
      if (!res.headersSent) {
        sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 65_000;

  // Health, like the router's health_check endpoint (also answers ?ready and ?live), and
  // Prometheus metrics beside it, where the router serves its own.
  const health = http.createServer((req, res) => {
    const url = new URL(req.url || '/', 'http://gateway.invalid');
    if (url.pathname === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      return sendJson(res, 200, { status: 'UP' });
    }
    if (url.pathname === '/metrics' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
      return res.end(metrics.render());
    }
    sendJson(res, 404, { status: 'NOT_FOUND' });
  });

  const listen = (srv, port) =>
    new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, config.host, () => {
        srv.off('error', reject);
        resolve(srv.address().port);
      });
    });
  let port;
  let healthPort;
  try {
    port = await listen(server, config.port);
    healthPort = await listen(health, config.healthPort);
  } catch (e) {
    server.close();
    health.close();
    await apollo.stop();
    throw e;
  }
  const shownHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  log({
    level: 'info',
    msg: 'gateway started',
    graphql: `http://${shownHost}:${port}/graphql`,
    health: `http://${shownHost}:${healthPort}/health`,
    supergraph: config.supergraphPath,
    introspection: config.introspection,
    explorer: Boolean(graphiql),
  });

  let stopping;
  async function stop() {
    if (stopping) return stopping;
    stopping = (async () => {
      const closed = Promise.all([
        new Promise((r) => server.close(() => r())),
        new Promise((r) => health.close(() => r())),
      ]);
      server.closeIdleConnections();
      health.closeIdleConnections();
      // Requests in flight get a few seconds to finish.
      const force = setTimeout(() => {
        server.closeAllConnections();
        health.closeAllConnections();
      }, 5000);
      force.unref();
      await closed;
      clearTimeout(force);
      await apollo.stop();
    })();
    return stopping;
  }

  return {
    port,
    healthPort,
    // Where the two listeners are bound (GATEWAY_HOST).
    addresses: [server.address().address, health.address().address],
    url: `http://${shownHost}:${port}/graphql`,
    healthUrl: `http://${shownHost}:${healthPort}/health`,
    metricsUrl: `http://${shownHost}:${healthPort}/metrics`,
    stop,
  };
}

async function main() {
  startTracing();
  const logger = makeLogger();
  let gw;
  try {
    gw = await startGateway({}, { logger });
  } catch (e) {
    logger.log({ level: 'error', msg: 'gateway failed to start', error: String(e?.message ?? e) });
    process.exit(1);
  }
  let signalled = false;
  const onSignal = (signal) => {
    if (signalled) {
      logger.log({ level: 'warn', msg: `second ${signal}, exiting now` });
      process.exit(1);
    }
    signalled = true;
    logger.log({ level: 'info', msg: `${signal} received, stopping` });
    gw.stop().then(stopTracing).then(
      () => {
        logger.log({ level: 'info', msg: 'gateway stopped' });
        process.exit(0);
      },
      (e) => {
        logger.log({ level: 'error', msg: 'error while stopping', error: String(e?.message ?? e) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === (await import('node:fs')).realpathSync(process.argv[1])) {
  await main();
}

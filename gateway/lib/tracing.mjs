// OpenTelemetry for the Node gateway: a server span per request that continues the client's
// W3C trace context, Apollo Gateway's own spans (gateway.request/plan/execute/fetch) under it,
// a client span per subgraph call whose context the subgraph continues, and trace ids in
// the log lines. Spans are always recorded (the log lines need their ids); they leave the
// process only when OTEL_EXPORTER_OTLP_ENDPOINT is set, as in the Python services.
import { requireDep } from './deps.mjs';

const api = requireDep('@opentelemetry/api');
const { NodeTracerProvider } = requireDep('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor } = requireDep('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = requireDep('@opentelemetry/exporter-trace-otlp-http');
const { Resource } = requireDep('@opentelemetry/resources');

export const { SpanKind, SpanStatusCode, ROOT_CONTEXT, context, propagation, trace } = api;

let provider;

/** Install the process's tracer provider once (later calls return the first one). */
export function startTracing({
  serviceName = 'shopgraph-gateway',
  endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
  spanProcessors: extra = [], // tests add an in-memory exporter here
} = {}) {
  if (provider) return provider;
  const spanProcessors = [...extra];
  if (endpoint) {
    const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  provider = new NodeTracerProvider({
    resource: new Resource({ 'service.name': serviceName }),
    spanProcessors,
  });
  // AsyncLocalStorage context and the W3C trace-context propagator.
  provider.register();
  return provider;
}

/** Flush and stop the exporter (at shutdown, so the last spans are not lost). */
export async function stopTracing() {
  if (!provider) return;
  const stopping = provider;
  provider = undefined;
  await stopping.shutdown();
}

export function tracer() {
  return trace.getTracer('shopgraph-gateway');
}

/** The ids a log line carries: `trace.id`/`span.id` as in the services' ECS lines. */
export function logIds(span) {
  const ctx = span?.spanContext();
  if (!ctx || !api.isSpanContextValid(ctx)) return {};
  return { 'trace.id': ctx.traceId, 'span.id': ctx.spanId };
}

/** A server span for an incoming request, child of the client's `traceparent` if any. */
export function startServerSpan(req, pathname) {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer().startSpan(
    `${req.method} ${pathname}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method, 'url.path': pathname },
    },
    parent,
  );
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Put the active span's `traceparent`/`tracestate` on an outgoing request's headers. */
export function injectContext(headers, ctx = context.active()) {
  const carrier = {};
  propagation.inject(ctx, carrier);
  for (const [name, value] of Object.entries(carrier)) headers.set(name, value);
}

/** Mark a span failed: `error.type` is the contract's code of the first error, all of them
 * in `graphql.error.codes`; the status makes the collector keep the trace (tail sampling). */
export function recordErrorCodes(span, codes) {
  if (!codes?.length) return;
  span.setAttribute('graphql.error.codes', codes);
  span.setAttribute('error.type', codes[0]);
  span.setStatus({ code: SpanStatusCode.ERROR, message: codes[0] });
}

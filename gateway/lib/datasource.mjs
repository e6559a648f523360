// How the gateway talks to a subgraph: header propagation, timeout, and errors that
// name no internal URL.
import { requireDep } from './deps.mjs';
import { badUpstreamResponse, upstreamUnavailable } from './errors.mjs';
import { SpanKind, SpanStatusCode, context, injectContext, trace, tracer } from './tracing.mjs';

const { RemoteGraphQLDataSource } = requireDep('@apollo/gateway');

/** Request headers copied from the client's request to every subgraph request. With
 * tracing on, `traceparent`/`tracestate` are then replaced by the gateway's own span's, so the
 * subgraph's spans hang under the gateway's fetch (same trace id as the client's). */
export const PROPAGATED_HEADERS = ['authorization', 'traceparent', 'tracestate', 'x-request-id'];

/** The credential only the gateway sends: subgraphs given GATEWAY_TOKEN answer nothing else. */
export const GATEWAY_TOKEN_HEADER = 'x-shopgraph-gateway-token';

export class SubgraphDataSource extends RemoteGraphQLDataSource {
  constructor({ name, url, timeoutMs, metrics, gatewayToken = process.env.GATEWAY_TOKEN }) {
    super({ url });
    this.name = name;
    this.timeoutMs = timeoutMs;
    this.metrics = metrics;
    this.gatewayToken = gatewayToken || undefined;
    // Node's fetch (undici, keep-alive), with the subgraph timeout covering the whole
    // exchange, body included.
    this.fetcher = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
  }

  willSendRequest({ request, context }) {
    if (!request.http) return;
    const incoming = context?.incomingHeaders;
    if (incoming) {
      for (const name of PROPAGATED_HEADERS) {
        const value = incoming.get(name);
        if (value) request.http.headers.set(name, value);
      }
    }
    // The client's address, appended as a proxy does: the users service counts login
    // attempts per address from the right end of X-Forwarded-For (FORWARDED_FOR_TRUSTED_HOPS),
    // so whatever a client wrote there itself is never taken for its address.
    const address = context?.clientAddress;
    if (address) {
      const before = incoming?.get('x-forwarded-for');
      request.http.headers.set('x-forwarded-for', before ? `${before}, ${address}` : address);
    }
    // Set last, so that a client cannot bring a value of its own.
    if (this.gatewayToken) request.http.headers.set(GATEWAY_TOKEN_HEADER, this.gatewayToken);
  }

  // Replaces RemoteGraphQLDataSource.sendRequest: a GraphQL response body is used
  // whatever the HTTP status (a subgraph's 4xx/5xx with `errors` passes through), and
  // transport failures become UPSTREAM_UNAVAILABLE instead of an error quoting the URL.
  async sendRequest(request, _context) {
    const { http, ...graphqlRequest } = request;
    const init = {
      method: http.method,
      headers: Object.fromEntries(http.headers),
      body: JSON.stringify(graphqlRequest),
    };
    let response;
    let text;
    const started = process.hrtime.bigint();
    // A client span per subgraph call; `peer.service` names the subgraph, never its URL.
    const span = tracer().startSpan('POST /graphql', {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': 'POST', 'peer.service': this.name, 'graphql.subgraph.name': this.name },
    });
    const spanContext = trace.setSpan(context.active(), span);
    const headers = new Headers(init.headers);
    injectContext(headers, spanContext);
    init.headers = Object.fromEntries(headers);
    try {
      response = await this.fetcher(http.url, init);
      text = await response.text();
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    } catch (e) {
      const error = upstreamUnavailable(this.name, isTimeout(e));
      span.setAttribute('error.type', isTimeout(e) ? 'timeout' : 'connection');
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics?.fetches.observe({ subgraph_name: this.name }, seconds);
    }
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (body && typeof body === 'object' && !Array.isArray(body) && ('data' in body || Array.isArray(body.errors))) {
      return { ...body, http: response };
    }
    throw badUpstreamResponse(this.name, response.status);
  }
}

function isTimeout(e) {
  return e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError';
}

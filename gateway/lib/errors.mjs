// Error shaping, so that clients see the same errors as through Apollo Router
// (router/router.yaml, with subgraph errors included):
//  - subgraph errors pass through with their message and extensions.code intact; the
//    subgraph's name is in extensions.service (Apollo Gateway calls it serviceName);
//  - every error has an extensions.code; an error without one (or Apollo Gateway's
//    DOWNSTREAM_SERVICE_ERROR, its "the subgraph gave no code") becomes INTERNAL_SERVER_ERROR;
//  - no stack traces, and an internal gateway error's message is replaced, so nothing
//    internal (URLs, file paths) leaks;
//  - a subgraph that is down, refuses, resets or times out gives UPSTREAM_UNAVAILABLE.
//    NOTE: Apollo Router's own code for that is SUBREQUEST_HTTP_ERROR; shopgraph
//    standardises on UPSTREAM_UNAVAILABLE (see contract/contract.graphql), on both gateways.
import { requireDep } from './deps.mjs';

const { GraphQLError } = requireDep('graphql');

export const UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE';
export const INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR';
export const INTERNAL_MESSAGE = 'Internal server error';

/** The error for a subgraph that could not be reached or answered too late. No URL in it. */
export function upstreamUnavailable(serviceName, timedOut = false) {
  return new GraphQLError(
    timedOut
      ? `The ${serviceName} service did not answer in time`
      : `The ${serviceName} service is unavailable`,
    { extensions: { code: UPSTREAM_UNAVAILABLE, service: serviceName } },
  );
}

/** A subgraph answered with something that is not a GraphQL response. */
export function badUpstreamResponse(serviceName, status) {
  let code = INTERNAL_SERVER_ERROR;
  if (status === 401) code = 'UNAUTHENTICATED';
  else if (status === 403) code = 'FORBIDDEN';
  else if (status === 502 || status === 503 || status === 504) code = UPSTREAM_UNAVAILABLE;
  const message = code === UPSTREAM_UNAVAILABLE
    ? `The ${serviceName} service is unavailable`
    : `The ${serviceName} service returned an invalid response (HTTP ${status})`;
  return new GraphQLError(message, { extensions: { code, service: serviceName } });
}

const STRIPPED_EXTENSIONS = ['stacktrace', 'exception', 'serviceName'];

/**
 * Apollo Server formatError hook. `formatted` already has extensions.code (Apollo
 * Server adds INTERNAL_SERVER_ERROR to errors that have none).
 * @param {(msg: object) => void} [log] called with details of masked internal errors
 */
export function makeFormatError(log = () => {}) {
  return function formatError(formatted, error) {
    const ext = { ...(formatted.extensions ?? {}) };
    if (ext.serviceName !== undefined && ext.service === undefined) ext.service = ext.serviceName;
    for (const k of STRIPPED_EXTENSIONS) delete ext[k];
    if (!ext.code || typeof ext.code !== 'string' || ext.code === 'DOWNSTREAM_SERVICE_ERROR') {
      ext.code = INTERNAL_SERVER_ERROR;
    }
    let { message } = formatted;
    // An internal error of the gateway itself (not a subgraph's error, which carries
    // `service`): keep the details in the log, not in the response.
    if (ext.code === INTERNAL_SERVER_ERROR && ext.service === undefined) {
      if (message !== INTERNAL_MESSAGE) {
        const original = error?.originalError ?? error;
        log({ level: 'error', msg: 'internal error', error: String(message), stack: original?.stack });
      }
      message = INTERNAL_MESSAGE;
    }
    const out = { message };
    if (formatted.locations) out.locations = formatted.locations;
    if (formatted.path) out.path = formatted.path;
    out.extensions = ext;
    return out;
  };
}

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
//    standardises on UPSTREAM_UNAVAILABLE (see contract/contract.graphql), on both gateways;
//  - every other code outside the contract is mapped by CONTRACT_CODE_FOR (below) to a
//    contract code, and the original is kept in extensions.reason.
import { requireDep } from './deps.mjs';

const { GraphQLError } = requireDep('graphql');

export const UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE';
export const INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR';
export const INTERNAL_MESSAGE = 'Internal server error';

/** The codes a client may see (contract/contract.graphql). */
export const CONTRACT_CODES = new Set([
  'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'OUT_OF_STOCK',
  'UPSTREAM_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'RATE_LIMITED',
]);

/**
 * Gateway codes outside the contract -> the contract code clients get instead; the
 * original goes to extensions.reason. Apollo Server's, Apollo Gateway's and this
 * gateway's codes, and Apollo Router's (router/rhai/main.rhai has the same table).
 * A code missing here becomes INTERNAL_SERVER_ERROR, masked and logged.
 */
export const CONTRACT_CODE_FOR = Object.freeze({
  // The request: body, JSON, method, headers, size.
  BAD_REQUEST: 'BAD_USER_INPUT',
  PAYLOAD_TOO_LARGE: 'BAD_USER_INPUT',
  LENGTH_REQUIRED: 'BAD_USER_INPUT',
  INVALID_GRAPHQL_REQUEST: 'BAD_USER_INPUT',
  INVALID_CONTENT_TYPE_HEADER: 'BAD_USER_INPUT',
  INVALID_ACCEPT_HEADER: 'BAD_USER_INPUT',
  CSRF_ERROR: 'BAD_USER_INPUT',
  MISSING_QUERY_STRING: 'BAD_USER_INPUT',
  MUTATION_FORBIDDEN: 'BAD_USER_INPUT',
  MISSING_OPERATION: 'BAD_USER_INPUT',
  MISSING_EXECUTABLE_DOCUMENT: 'BAD_USER_INPUT',
  BATCHING_NOT_ENABLED: 'BAD_USER_INPUT',
  BATCH_LIMIT_EXCEEDED: 'BAD_USER_INPUT',
  // The document: syntax, limits, validation, operation choice, variables.
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  PARSING_ERROR: 'BAD_USER_INPUT',
  GRAPHQL_PARSING_FAILED: 'BAD_USER_INPUT',
  TOKEN_LIMIT_EXCEEDED: 'BAD_USER_INPUT',
  RECURSION_LIMIT_EXCEEDED: 'BAD_USER_INPUT',
  MAX_ROOT_FIELDS_EXCEEDED: 'BAD_USER_INPUT',
  MAX_ALIASES_EXCEEDED: 'BAD_USER_INPUT',
  MAX_FIELDS_EXCEEDED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  VALIDATION_INVALID_TYPE_VARIABLE: 'BAD_USER_INPUT',
  INTROSPECTION_DISABLED: 'BAD_USER_INPUT',
  GRAPHQL_UNKNOWN_OPERATION_NAME: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  SUBSCRIPTION_NOT_SUPPORTED: 'BAD_USER_INPUT',
  SUBSCRIPTION_BAD_HEADER: 'BAD_USER_INPUT',
  DEFER_BAD_HEADER: 'BAD_USER_INPUT',
  // Automatic persisted queries: the client sends the query with its hash and retries.
  PERSISTED_QUERY_NOT_FOUND: 'NOT_FOUND',
  PERSISTED_QUERY_HASH_MISMATCH: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
  // Router traffic shaping (not configured today).
  REQUEST_RATE_LIMITED: 'RATE_LIMITED',
  REQUEST_CONCURRENCY_LIMITED: 'UPSTREAM_UNAVAILABLE',
});

/**
 * The contract code for `code`, and the reason to keep beside it (undefined when `code`
 * is already a contract code). `known` is false for a code in neither list.
 */
export function contractCode(code) {
  if (typeof code === 'string' && CONTRACT_CODES.has(code)) return { code, reason: undefined, known: true };
  if (typeof code === 'string' && Object.hasOwn(CONTRACT_CODE_FOR, code)) {
    return { code: CONTRACT_CODE_FOR[code], reason: code, known: true };
  }
  return { code: INTERNAL_SERVER_ERROR, reason: typeof code === 'string' && code ? code : undefined, known: false };
}

/** A response error of the gateway itself, already in contract shape. */
export function gatewayError(message, code) {
  const mapped = contractCode(code);
  const extensions = { code: mapped.code };
  if (mapped.reason) extensions.reason = mapped.reason;
  return { message, extensions };
}

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
    let { message } = formatted;
    // Apollo Server throws this one without a code (-> 500-ish INTERNAL_SERVER_ERROR and an
    // error log line); server.mjs checks the hash first, so this is a second line.
    if (message === 'provided sha does not match query' && ext.service === undefined) {
      ext.code = 'PERSISTED_QUERY_HASH_MISMATCH';
    }
    const original = ext.code === 'DOWNSTREAM_SERVICE_ERROR' ? undefined : ext.code;
    const mapped = contractCode(original);
    ext.code = mapped.code;
    if (mapped.reason && ext.reason === undefined) ext.reason = mapped.reason;
    // An internal error of the gateway itself (not a subgraph's error, which carries
    // `service`): keep the details in the log, not in the response.
    if (ext.code === INTERNAL_SERVER_ERROR && ext.service === undefined) {
      if (message !== INTERNAL_MESSAGE) {
        const cause = error?.originalError ?? error;
        log({ level: 'error', msg: 'internal error', error: String(message), code: original, stack: cause?.stack });
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

// Gateway settings, all from the environment (same knobs as router/router.yaml).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from './limits.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** "30s", "1500ms", "2m" or a bare number of seconds -> milliseconds. */
export function parseDuration(value, fallbackMs) {
  if (value === undefined || value === null || String(value).trim() === '') return fallbackMs;
  const m = String(value).trim().match(/^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/);
  if (!m) throw new Error(`invalid duration ${JSON.stringify(value)} (use e.g. 30s or 1500ms)`);
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
}

function intEnv(env, name, fallback) {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

export function loadConfig(env = process.env) {
  const production = (env.ENVIRONMENT || '').toLowerCase() === 'production';
  return {
    // Loopback unless told otherwise: GraphiQL and the dev admin login stay off the
    // network in development. The Helm chart sets GATEWAY_HOST=0.0.0.0 in the pod.
    host: env.GATEWAY_HOST || '127.0.0.1',
    port: intEnv(env, 'GATEWAY_PORT', 4000),
    healthPort: intEnv(env, 'GATEWAY_HEALTH_PORT', 8088),
    supergraphPath: path.resolve(env.SUPERGRAPH_PATH || path.join(repoRoot, 'schema.graphql')),
    corsOrigins: (env.CORS_ORIGINS ?? 'http://localhost:4000,http://127.0.0.1:4000')
      .split(',').map((s) => s.trim()).filter(Boolean),
    // SUBGRAPH_TIMEOUT: the router's traffic_shaping timeout, default 30s.
    subgraphTimeoutMs: parseDuration(env.SUBGRAPH_TIMEOUT, 30_000),
    maxBodyBytes: intEnv(env, 'GATEWAY_MAX_BODY_BYTES', 2 * 1024 * 1024),
    // Parser limits as in router.yaml, plus caps the router has only with a licence.
    limits: {
      ...DEFAULT_LIMITS,
      maxRootFields: intEnv(env, 'GATEWAY_MAX_ROOT_FIELDS', DEFAULT_LIMITS.maxRootFields),
      maxAliases: intEnv(env, 'GATEWAY_MAX_ALIASES', DEFAULT_LIMITS.maxAliases),
      maxFields: intEnv(env, 'GATEWAY_MAX_FIELDS', DEFAULT_LIMITS.maxFields),
    },
    production,
    introspection: !production,
    // The explorer needs introspection, so it is off in production too.
    graphiql: !production,
    // Runtime routing-URL overrides, like the router's override_subgraph_url.
    subgraphUrl: (name) => env[`SUBGRAPH_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`] || undefined,
  };
}

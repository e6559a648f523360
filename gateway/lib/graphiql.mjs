// The offline GraphiQL explorer: an HTML page and its assets, all from this repo and
// from npm packages in supergraph/node_modules (graphiql 4 ships a UMD bundle + CSS;
// React 18 ships UMD builds). Nothing is loaded from a CDN.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageDir } from './deps.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

export const ASSET_PREFIX = '/graphiql/assets/';

// Route name -> [file, content type]. Only these files are served.
function assetTable() {
  const graphiql = packageDir('graphiql');
  const react = packageDir('react');
  const reactDom = packageDir('react-dom');
  return {
    'graphiql.min.js': [path.join(graphiql, 'graphiql.min.js'), JS],
    'graphiql.min.css': [path.join(graphiql, 'graphiql.min.css'), CSS],
    'react.production.min.js': [path.join(react, 'umd', 'react.production.min.js'), JS],
    'react-dom.production.min.js': [path.join(reactDom, 'umd', 'react-dom.production.min.js'), JS],
    'init.js': [path.join(here, '..', 'graphiql', 'init.js'), JS],
  };
}

// The page only talks to this origin; the CSP makes any accidental CDN load fail loudly.
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'self'",
].join('; ');

export function createGraphiQL() {
  const table = assetTable();
  const cache = new Map();
  const load = (file) => {
    if (!cache.has(file)) cache.set(file, readFileSync(file));
    return cache.get(file);
  };
  // Fail at start-up, not on the first page view, if a package is missing.
  for (const [file] of Object.values(table)) load(file);
  const page = load(path.join(here, '..', 'graphiql', 'index.html'));
  return {
    page() {
      return {
        status: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': PAGE_CSP,
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        },
        body: page,
      };
    },
    /** The asset at a URL path under ASSET_PREFIX, or null. */
    asset(urlPath) {
      const entry = table[urlPath.slice(ASSET_PREFIX.length)];
      if (!entry || !Object.hasOwn(table, urlPath.slice(ASSET_PREFIX.length))) return null;
      return {
        status: 200,
        headers: {
          'content-type': entry[1],
          'cache-control': 'public, max-age=3600',
          'x-content-type-options': 'nosniff',
        },
        body: load(entry[0]),
      };
    },
  };
}

// Composition of the subgraphs listed in supergraph.yaml (rover format) into a
// supergraph SDL, using the pinned @apollo/composition.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import YAML from 'yaml';

const require = createRequire(import.meta.url);
const { composeServices } = require('@apollo/composition');
const { parse } = require('graphql');

export const COMPOSITION_VERSION = JSON.parse(
  readFileSync(require.resolve('@apollo/composition/package.json'), 'utf8'),
).version;

/** Env variable that overrides a subgraph's routing_url: users -> SUBGRAPH_USERS_URL. */
export function urlEnvName(subgraphName) {
  return `SUBGRAPH_${subgraphName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
}

/**
 * Check rover's `federation_version` against the installed composition:
 * `=2.14.4` must match exactly, `2` (or `2.x`) only needs the same major.
 */
export function checkFederationVersion(wanted, installed = COMPOSITION_VERSION) {
  if (wanted === undefined || wanted === null) return null;
  const w = String(wanted).trim();
  if (w.startsWith('=')) {
    return w.slice(1) === installed
      ? null
      : `supergraph.yaml asks for federation_version ${w} but @apollo/composition ${installed} is installed (update one of them)`;
  }
  const major = w.replace(/\.x$/, '').split('.')[0];
  return installed.split('.')[0] === major
    ? null
    : `supergraph.yaml asks for federation_version ${w} but @apollo/composition ${installed} is installed`;
}

/**
 * Read a rover supergraph.yaml and return its subgraphs as
 * [{ name, url, file, typeDefsText }] with env URL overrides applied.
 * Errors (missing files, unsupported schema sources) are collected, not thrown.
 */
export function loadConfig(configPath, env = process.env) {
  const errors = [];
  const configDir = path.dirname(path.resolve(configPath));
  let doc;
  try {
    doc = YAML.parse(readFileSync(configPath, 'utf8')) ?? {};
  } catch (e) {
    return { errors: [`cannot read ${configPath}: ${e.message}`], subgraphs: [] };
  }
  const versionError = checkFederationVersion(doc.federation_version);
  if (versionError) errors.push(versionError);
  const entries = Object.entries(doc.subgraphs ?? {});
  if (entries.length === 0) errors.push(`${configPath} lists no subgraphs`);
  const subgraphs = [];
  for (const [name, sg] of entries) {
    const url = env[urlEnvName(name)] || sg?.routing_url;
    if (!url) errors.push(`subgraph ${name}: no routing_url`);
    const file = sg?.schema?.file;
    if (!file) {
      errors.push(`subgraph ${name}: only \`schema: { file: ... }\` is supported here`);
      continue;
    }
    const filePath = path.resolve(configDir, file);
    let typeDefsText;
    try {
      typeDefsText = readFileSync(filePath, 'utf8');
    } catch (e) {
      errors.push(`subgraph ${name}: cannot read its schema ${filePath} (${e.code ?? e.message}); has it been exported and committed?`);
      continue;
    }
    subgraphs.push({ name, url, file: filePath, typeDefsText });
  }
  return { errors, subgraphs };
}

/**
 * Compose [{ name, url, typeDefsText }] into a supergraph.
 * Returns { supergraphSdl, hints: [string], errors: [string] }.
 */
export function composeSubgraphs(subgraphs) {
  const services = [];
  const errors = [];
  for (const sg of subgraphs) {
    try {
      services.push({ name: sg.name, url: sg.url, typeDefs: parse(sg.typeDefsText) });
    } catch (e) {
      errors.push(`subgraph ${sg.name}: syntax error in ${sg.file ?? 'its SDL'}: ${e.message}`);
    }
  }
  if (errors.length) return { errors, hints: [] };
  const result = composeServices(services);
  if (result.errors) {
    return {
      errors: result.errors.map((e) => {
        const code = e.extensions?.code ? `[${e.extensions.code}] ` : '';
        return `${code}${e.message}`;
      }),
      hints: [],
    };
  }
  let sdl = result.supergraphSdl;
  if (!sdl.endsWith('\n')) sdl += '\n';
  return {
    supergraphSdl: sdl,
    hints: (result.hints ?? []).map((h) => `[${h.definition?.code ?? 'HINT'}] ${h.message}`),
    errors: [],
  };
}

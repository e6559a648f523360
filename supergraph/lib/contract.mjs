// Contract check: does the composed API schema hold everything the public contract
// (contract/contract.graphql) names, for the subgraphs that are composed so far?
//
// Ownership comes from the contract's own comments:
//   `# ---- users subgraph ----`   section header: the types below belong to users
//   `# ---- <anything else> ----`  ends the section (e.g. the root fields section)
//   `type Money { # shared by products and orders`   extra owners for one type
//   `orders(...): OrderConnection! # contributed by orders`   a field added by another subgraph
// Root fields (Query/Mutation/Subscription) belong to the owner of their return type,
// unless ROOT_FIELD_OWNERS names them explicitly.
// Types outside every section (e.g. `scalar DateTime`) are shared: checked when a
// checked field or argument uses them.
//
// Compatibility rules:
//   output fields  same named type; the supergraph may be stricter (String -> String!)
//   arguments and input fields  same named type; the supergraph may be looser
//                  (ID! -> ID), must keep the contract's default values, and must not
//                  add required ones the contract lacks
//   enums          every contract value exists; unions: every contract member exists
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';

const require = createRequire(import.meta.url);
const graphql = require('graphql');
const {
  buildSchema, parse, isObjectType, isInterfaceType, isUnionType, isEnumType, isInputObjectType,
  isScalarType, isNonNullType, isListType, getNamedType, isSpecifiedScalarType, isIntrospectionType,
} = graphql;

/** Explicit owners for root fields whose return type does not tell (e.g. `ping: String`). */
export const ROOT_FIELD_OWNERS = {};

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/** Parse ownership comments out of the contract text. */
export function parseOwnership(contractText) {
  const typeOwners = new Map(); // type name -> [subgraph]; [] = shared
  const fieldContributors = new Map(); // "Type.field" -> subgraph
  let section = null;
  let currentType = null;
  for (const rawLine of contractText.split('\n')) {
    const line = rawLine.trim();
    const header = line.match(/^#\s*-{2,}\s*(.*?)\s*-{2,}\s*$/);
    if (header) {
      const m = header[1].match(/^([A-Za-z0-9_-]+)\s+subgraph$/i);
      section = m ? m[1] : null;
      continue;
    }
    const [code, comment = ''] = splitComment(line);
    const def = code.match(/^(?:extend\s+)?(type|input|enum|scalar|interface|union)\s+([_A-Za-z][_0-9A-Za-z]*)/);
    if (def) {
      const owners = section ? [section] : [];
      const shared = comment.match(/shared by\s+(.+)$/i);
      if (shared) {
        for (const n of shared[1].split(/\s*(?:,|\band\b)\s*/)) {
          const name = n.trim().replace(/[^A-Za-z0-9_-]/g, '');
          if (name && !owners.includes(name)) owners.push(name);
        }
      }
      typeOwners.set(def[2], owners);
      currentType = code.includes('{') && !code.includes('}') ? def[2] : null;
      continue;
    }
    if (currentType) {
      if (code.startsWith('}')) {
        currentType = null;
        continue;
      }
      const field = code.match(/^([_A-Za-z][_0-9A-Za-z]*)\s*[(:]/);
      const contributed = comment.match(/contributed by\s+([A-Za-z0-9_-]+)/i);
      if (field && contributed) fieldContributors.set(`${currentType}.${field[1]}`, contributed[1]);
    }
  }
  return { typeOwners, fieldContributors };
}

function splitComment(line) {
  // No string literals with '#' in this SDL's definitions lines other than defaults;
  // keep it simple but do not split inside "..." strings.
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') inString = !inString;
    if (line[i] === '#' && !inString) return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
  }
  return [line, ''];
}

/** Names of the subgraphs composed into a supergraph SDL (from enum join__Graph). */
export function composedSubgraphNames(supergraphSdl) {
  const doc = parse(supergraphSdl);
  const names = [];
  for (const def of doc.definitions) {
    if (def.kind !== 'EnumTypeDefinition' || def.name.value !== 'join__Graph') continue;
    for (const v of def.values ?? []) {
      const d = v.directives?.find((x) => x.name.value === 'join__graph');
      const nameArg = d?.arguments?.find((a) => a.name.value === 'name');
      names.push(nameArg?.value?.value ?? v.name.value.toLowerCase());
    }
  }
  return names;
}

/** The client-facing API schema (join/link machinery stripped) of a supergraph SDL. */
export function apiSchemaFromSupergraph(supergraphSdl) {
  const { Supergraph } = require('@apollo/federation-internals');
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

function kindOf(t) {
  if (isObjectType(t)) return 'type';
  if (isInterfaceType(t)) return 'interface';
  if (isUnionType(t)) return 'union';
  if (isEnumType(t)) return 'enum';
  if (isInputObjectType(t)) return 'input';
  if (isScalarType(t)) return 'scalar';
  return 'unknown';
}

/** Output position: the API type may be stricter (non-null where the contract is nullable). */
export function outputCompatible(c, a) {
  if (isNonNullType(c)) return isNonNullType(a) && outputCompatible(c.ofType, a.ofType);
  if (isNonNullType(a)) return outputCompatible(c, a.ofType);
  if (isListType(c)) return isListType(a) && outputCompatible(c.ofType, a.ofType);
  if (isListType(a)) return false;
  return c.name === a.name;
}

/** Input position: the API type may be looser (nullable where the contract is non-null). */
export function inputCompatible(c, a) {
  if (isNonNullType(a)) return isNonNullType(c) && inputCompatible(c.ofType, a.ofType);
  if (isNonNullType(c)) return inputCompatible(c.ofType, a);
  if (isListType(c)) return isListType(a) && inputCompatible(c.ofType, a.ofType);
  if (isListType(a)) return false;
  return c.name === a.name;
}

/**
 * Compare a contract against an API schema.
 * @param {object} o
 * @param {string} o.contractSdl      the contract text (comments give ownership)
 * @param {import('graphql').GraphQLSchema} o.apiSchema  the composed API schema
 * @param {string[]} o.subgraphs      names of the composed subgraphs
 * @returns {{problems: string[], checkedTypes: string[], checkedFields: number,
 *            skipped: Map<string, string[]>}}   skipped: absent subgraph -> its types/fields
 */
export function checkContract({ contractSdl, apiSchema, subgraphs, rootFieldOwners = ROOT_FIELD_OWNERS }) {
  const contract = buildSchema(contractSdl);
  const { typeOwners, fieldContributors } = parseOwnership(contractSdl);
  const present = new Set(subgraphs);
  const problems = [];
  const skipped = new Map();
  const checkedTypes = [];
  let checkedFields = 0;
  const referenced = new Set();
  const done = new Set();

  const skip = (owner, what) => {
    if (!skipped.has(owner)) skipped.set(owner, []);
    skipped.get(owner).push(what);
  };
  const ownersLabel = (owners) => (owners.length ? owners.join('/') : 'shared');
  const use = (type) => referenced.add(getNamedType(type).name);
  const str = (t) => String(t);

  const checkArgs = (where, cArgs, aArgs, tag) => {
    for (const ca of cArgs) {
      use(ca.type);
      const aa = aArgs.find((x) => x.name === ca.name);
      if (!aa) {
        problems.push(`missing argument ${where}(${ca.name}: ${str(ca.type)}) ${tag}`);
        continue;
      }
      if (!inputCompatible(ca.type, aa.type)) {
        problems.push(`wrong type for argument ${where}(${ca.name}:): contract ${str(ca.type)}, supergraph ${str(aa.type)} (arguments may only be looser) ${tag}`);
      }
      checkDefault(`argument ${where}(${ca.name}:)`, ca, aa, tag);
    }
    for (const aa of aArgs) {
      if (!cArgs.some((x) => x.name === aa.name) && isNonNullType(aa.type) && aa.defaultValue === undefined) {
        problems.push(`extra required argument ${where}(${aa.name}: ${str(aa.type)}) not in the contract ${tag}`);
      }
    }
  };
  const checkDefault = (what, c, a, tag) => {
    if (c.defaultValue === undefined) return;
    if (a.defaultValue === undefined) {
      problems.push(`${what} has no default value; the contract's is ${JSON.stringify(c.defaultValue)} ${tag}`);
    } else if (!isDeepStrictEqual(c.defaultValue, a.defaultValue)) {
      problems.push(`${what} default value ${JSON.stringify(a.defaultValue)} differs from the contract's ${JSON.stringify(c.defaultValue)} ${tag}`);
    }
  };

  const checkField = (typeName, cf, aType, tag) => {
    checkedFields++;
    use(cf.type);
    const af = aType.getFields()[cf.name];
    if (!af) {
      const args = cf.args.length ? `(${cf.args.map((x) => `${x.name}: ${x.type}`).join(', ')})` : '';
      problems.push(`missing field ${typeName}.${cf.name}${args}: ${str(cf.type)} ${tag}`);
      return;
    }
    if (!outputCompatible(cf.type, af.type)) {
      problems.push(`wrong type for field ${typeName}.${cf.name}: contract ${str(cf.type)}, supergraph ${str(af.type)} (output fields may only be stricter) ${tag}`);
    }
    checkArgs(`${typeName}.${cf.name}`, cf.args, af.args, tag);
  };

  // Returns the API type if it exists with the same kind, else records a problem.
  const apiTypeFor = (ct, tag) => {
    const at = apiSchema.getType(ct.name);
    if (!at) {
      problems.push(`missing ${kindOf(ct)} ${ct.name} ${tag}`);
      return null;
    }
    if (kindOf(at) !== kindOf(ct)) {
      problems.push(`${ct.name} is a ${kindOf(at)} in the supergraph, the contract says ${kindOf(ct)} ${tag}`);
      return null;
    }
    return at;
  };

  const checkType = (ct, owners) => {
    done.add(ct.name);
    const tag = `[${ownersLabel(owners)}]`;
    const at = apiTypeFor(ct, tag);
    checkedTypes.push(ct.name);
    if (!at) return;
    if (isObjectType(ct) || isInterfaceType(ct)) {
      for (const cf of Object.values(ct.getFields())) {
        const contributor = fieldContributors.get(`${ct.name}.${cf.name}`);
        if (contributor && !present.has(contributor)) {
          skip(contributor, `${ct.name}.${cf.name}`);
          continue;
        }
        checkField(ct.name, cf, at, contributor ? `[${contributor}]` : tag);
      }
      for (const iface of ct.getInterfaces()) {
        if (!at.getInterfaces().some((i) => i.name === iface.name)) {
          problems.push(`${ct.name} does not implement ${iface.name} ${tag}`);
        }
      }
    } else if (isInputObjectType(ct)) {
      const aFields = Object.values(at.getFields());
      for (const cf of Object.values(ct.getFields())) {
        checkedFields++;
        use(cf.type);
        const af = at.getFields()[cf.name];
        if (!af) {
          problems.push(`missing input field ${ct.name}.${cf.name}: ${str(cf.type)} ${tag}`);
          continue;
        }
        if (!inputCompatible(cf.type, af.type)) {
          problems.push(`wrong type for input field ${ct.name}.${cf.name}: contract ${str(cf.type)}, supergraph ${str(af.type)} (input fields may only be looser) ${tag}`);
        }
        checkDefault(`input field ${ct.name}.${cf.name}`, cf, af, tag);
      }
      for (const af of aFields) {
        if (!ct.getFields()[af.name] && isNonNullType(af.type) && af.defaultValue === undefined) {
          problems.push(`extra required input field ${ct.name}.${af.name}: ${str(af.type)} not in the contract ${tag}`);
        }
      }
    } else if (isEnumType(ct)) {
      for (const v of ct.getValues()) {
        if (!at.getValue(v.name)) problems.push(`missing enum value ${ct.name}.${v.name} ${tag}`);
      }
    } else if (isUnionType(ct)) {
      for (const m of ct.getTypes()) {
        if (!at.getTypes().some((x) => x.name === m.name)) problems.push(`missing union member ${ct.name} = ... | ${m.name} ${tag}`);
      }
    }
  };

  const rootTypeNames = new Set(
    [contract.getQueryType(), contract.getMutationType(), contract.getSubscriptionType()].filter(Boolean).map((t) => t.name),
  );
  const userTypes = Object.values(contract.getTypeMap()).filter(
    (t) => !isIntrospectionType(t) && !(isScalarType(t) && isSpecifiedScalarType(t)),
  );

  for (const ct of userTypes) {
    if (rootTypeNames.has(ct.name) || ROOT_TYPES.has(ct.name)) {
      // Root fields: each one belongs to the owner of its return type.
      let at;
      for (const cf of Object.values(ct.getFields())) {
        const owners = rootFieldOwners[`${ct.name}.${cf.name}`]
          ? [rootFieldOwners[`${ct.name}.${cf.name}`]]
          : (typeOwners.get(getNamedType(cf.type).name) ?? []);
        if (owners.length === 0) {
          problems.push(`cannot tell which subgraph owns ${ct.name}.${cf.name}: add it to ROOT_FIELD_OWNERS in supergraph/lib/contract.mjs`);
          continue;
        }
        if (!owners.some((o) => present.has(o))) {
          skip(owners[0], `${ct.name}.${cf.name}`);
          continue;
        }
        const tag = `[${ownersLabel(owners)}]`;
        if (at === undefined) {
          at = apiTypeFor(ct, tag);
          if (at) checkedTypes.push(ct.name);
        }
        if (at) checkField(ct.name, cf, at, tag);
        else problems.push(`missing field ${ct.name}.${cf.name}: ${str(cf.type)} ${tag}`);
      }
      done.add(ct.name);
      continue;
    }
    const owners = typeOwners.get(ct.name) ?? [];
    if (owners.length === 0) continue; // shared: checked below if used
    if (owners.some((o) => present.has(o))) checkType(ct, owners);
    else skip(owners[0], ct.name);
  }
  // Shared (unsectioned) types that a checked field or argument uses, to a fixpoint.
  let more = true;
  while (more) {
    more = false;
    for (const name of [...referenced]) {
      if (done.has(name)) continue;
      const ct = contract.getType(name);
      if (!ct || (isScalarType(ct) && isSpecifiedScalarType(ct))) continue;
      if ((typeOwners.get(name) ?? []).length === 0 && !rootTypeNames.has(name)) {
        checkType(ct, []);
        more = true;
      } else {
        done.add(name);
      }
    }
  }
  return { problems, checkedTypes, checkedFields, skipped };
}

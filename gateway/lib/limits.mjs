// Cheap checks on a GraphQL document before Apollo Server parses, validates and plans it.
//
// Validation (OverlappingFieldsCanBeMerged) and query planning grow faster than linearly
// with repeated fields, and they run on the one Node thread: a 1.8 MB document of 100,000
// `__typename` aliases blocked every client for 13 s. So, in this order, each step bounded
// by the one before:
//  1. the lexer counts tokens and bracket depth and stops at the limit (the router's
//     parser_max_tokens / parser_max_recursion, same numbers);
//  2. the document, now at most maxTokens long, is parsed, and its operations' root fields,
//     aliases and fields are counted with fragment spreads expanded (memoised, so a fragment
//     "bomb" is counted, not expanded).
import { requireDep } from './deps.mjs';

const { Kind, Lexer, Source, TokenKind, parse } = requireDep('graphql');

export const DEFAULT_LIMITS = Object.freeze({
  maxTokens: 15000, // router.yaml limits.router.parser_max_tokens
  maxRecursion: 500, // router.yaml limits.router.parser_max_recursion
  maxRootFields: 20,
  maxAliases: 30, // the subgraphs' MAX_ALIASES
  maxFields: 500,
});

const OPENING = new Set([TokenKind.BRACE_L, TokenKind.PAREN_L, TokenKind.BRACKET_L]);
const CLOSING = new Set([TokenKind.BRACE_R, TokenKind.PAREN_R, TokenKind.BRACKET_R]);

/** Why a document is refused: `reason` goes to extensions.reason. */
export class DocumentLimitError extends Error {
  constructor(message, reason) {
    super(message);
    this.reason = reason;
  }
}

function scanTokens(query, { maxTokens, maxRecursion }) {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let depth = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > maxTokens) {
        throw new DocumentLimitError(`The document has more than ${maxTokens} tokens`, 'TOKEN_LIMIT_EXCEEDED');
      }
      if (OPENING.has(token.kind) && ++depth > maxRecursion) {
        throw new DocumentLimitError(`The document nests deeper than ${maxRecursion} levels`, 'RECURSION_LIMIT_EXCEEDED');
      }
      if (CLOSING.has(token.kind)) depth -= 1;
    }
  } catch (e) {
    if (e instanceof DocumentLimitError) throw e;
    return false; // a syntax error: Apollo Server reports it, with its location
  }
  return true;
}

/** Root fields, fields and aliases of each operation, fragment spreads expanded. */
function countOperations(document) {
  const fragments = new Map();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const none = { rootFields: 0, fields: 0, aliases: 0 };
  const memo = new Map();
  const visiting = new Set();

  // rootFields: the fields of this selection set itself (through fragments), which are
  // the operation's root fields when it is the operation's selection set.
  function countSet(selectionSet) {
    const total = { rootFields: 0, fields: 0, aliases: 0 };
    for (const sel of selectionSet?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        const inner = countSet(sel.selectionSet);
        total.rootFields += 1;
        total.fields += 1 + inner.fields;
        total.aliases += (sel.alias ? 1 : 0) + inner.aliases;
      } else {
        const part = sel.kind === Kind.INLINE_FRAGMENT ? countSet(sel.selectionSet) : countFragment(sel.name.value);
        total.rootFields += part.rootFields;
        total.fields += part.fields;
        total.aliases += part.aliases;
      }
    }
    return total;
  }

  function countFragment(name) {
    if (memo.has(name)) return memo.get(name);
    const def = fragments.get(name);
    // Unknown or cyclic spreads are validation errors; they count as nothing here.
    if (!def || visiting.has(name)) return none;
    visiting.add(name);
    const counted = countSet(def.selectionSet);
    visiting.delete(name);
    memo.set(name, counted);
    return counted;
  }

  return document.definitions
    .filter((def) => def.kind === Kind.OPERATION_DEFINITION)
    .map((op) => countSet(op.selectionSet));
}

/**
 * Throws DocumentLimitError when `query` is over a limit; returns quietly otherwise (also
 * for a document with a syntax error, which Apollo Server then reports as usual).
 */
export function checkDocument(query, limits = DEFAULT_LIMITS) {
  if (typeof query !== 'string' || !scanTokens(query, limits)) return;
  let document;
  try {
    document = parse(query, { noLocation: true, maxTokens: limits.maxTokens });
  } catch {
    return;
  }
  for (const op of countOperations(document)) {
    if (op.rootFields > limits.maxRootFields) {
      throw new DocumentLimitError(`An operation selects more than ${limits.maxRootFields} root fields`, 'MAX_ROOT_FIELDS_EXCEEDED');
    }
    if (op.aliases > limits.maxAliases) {
      throw new DocumentLimitError(`An operation uses more than ${limits.maxAliases} aliases`, 'MAX_ALIASES_EXCEEDED');
    }
    if (op.fields > limits.maxFields) {
      throw new DocumentLimitError(`An operation selects more than ${limits.maxFields} fields`, 'MAX_FIELDS_EXCEEDED');
    }
  }
}

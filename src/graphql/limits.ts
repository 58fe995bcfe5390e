/**
 * Validation rules that refuse expensive documents before anything runs: selection depth, the number of fields and
 * of aliased fields an operation amounts to once its fragments are expanded (the amplifiers a request-counting rate
 * limiter cannot see); and the parser's token limit, which bounds the work before validation even starts.
 *
 * Each fragment is measured once and its figures remembered, so the check costs time linear in the document, while
 * every use of a fragment counts its fields again: a few hundred bytes of nested spreads (each fragment spreading
 * the one before twice) amount to billions of fields, and are refused at once. Expanding fragments at each use
 * instead doubled the work per level (an 825-byte document of 20 levels blocked the event loop for 1.4 s).
 * Introspection fields (`__schema`, `__type`) do not count: outside production the standard introspection query of
 * GraphiQL, codegen and graphql-inspector (15 levels) loads the schema, and in production introspection is refused
 * on both transports by its own rule (Apollo's for HTTP, graphql-js's in graphql/subscriptions.ts), which says so.
 */
import { GraphQLError, Kind, type ASTVisitor, type ParseOptions, type SelectionSetNode, type ValidationContext } from 'graphql';

export const MAX_QUERY_DEPTH = 12;
export const MAX_ALIASES = 30;
/** Fields an operation may amount to with its fragments expanded: many times what any page of the console asks for. */
export const MAX_FIELDS = 2_000;
/** Tokens the parser reads at most: far above any real operation (the introspection query has about 450). */
export const PARSE_OPTIONS: ParseOptions = { maxTokens: 5_000 };

const isIntrospection = (name: string) => name === '__schema' || name === '__type';

/** What a selection set amounts to, its fragments expanded at each use (sums may grow past 2^53: only compared). */
interface Cost {
  depth: number;
  fields: number;
  aliases: number;
}
const NOTHING: Cost = { depth: 0, fields: 0, aliases: 0 };

export function queryLimits(context: ValidationContext): ASTVisitor {
  const fragmentCosts = new Map<string, Cost>();
  const costOf = (selectionSet: SelectionSetNode | undefined): Cost => {
    if (!selectionSet) return NOTHING;
    const total = { depth: 0, fields: 0, aliases: 0 };
    for (const selection of selectionSet.selections) {
      let part: Cost;
      if (selection.kind === Kind.FIELD) {
        const below = isIntrospection(selection.name.value) ? NOTHING : costOf(selection.selectionSet);
        part = { depth: 1 + below.depth, fields: 1 + below.fields, aliases: (selection.alias ? 1 : 0) + below.aliases };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        part = costOf(selection.selectionSet);
      } else {
        part = fragmentCost(selection.name.value);
      }
      total.depth = Math.max(total.depth, part.depth);
      total.fields += part.fields;
      total.aliases += part.aliases;
    }
    return total;
  };
  /** Each fragment once; a cycle (refused by graphql-js's own rule) counts as nothing here. */
  const fragmentCost = (name: string): Cost => {
    const known = fragmentCosts.get(name);
    if (known) return known;
    fragmentCosts.set(name, NOTHING);
    const cost = costOf(context.getFragment(name)?.selectionSet);
    fragmentCosts.set(name, cost);
    return cost;
  };
  return {
    OperationDefinition(node) {
      const cost = costOf(node.selectionSet);
      const refuse = (message: string) => context.reportError(new GraphQLError(message, { nodes: [node] }));
      if (cost.depth > MAX_QUERY_DEPTH) refuse(`Query is too deep: at most ${MAX_QUERY_DEPTH} levels`);
      if (cost.aliases > MAX_ALIASES) refuse(`Too many aliased fields: at most ${MAX_ALIASES}`);
      if (cost.fields > MAX_FIELDS) refuse(`Query is too large: at most ${MAX_FIELDS} fields, fragments counted at each use`);
    },
  };
}

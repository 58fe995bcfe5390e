/**
 * Validation rules that refuse expensive documents before anything runs: selection depth (with fragments
 * expanded) and the number of aliased fields, the amplifiers a request-counting rate limiter cannot see; and the
 * parser's token limit, which bounds the work before validation even starts.
 *
 * The depth of each fragment is measured once and remembered, so the check costs time linear in the document:
 * expanding fragments at each use doubled the work per level of nested spreads (an 825-byte document of 20 levels
 * blocked the event loop for 1.4 s). Outside production, introspection fields (`__schema`, `__type`) do not count,
 * so the standard introspection query of GraphiQL, codegen and graphql-inspector (15 levels) loads the schema; in
 * production introspection is off altogether.
 */
import { GraphQLError, Kind, type ASTVisitor, type ParseOptions, type SelectionSetNode, type ValidationContext } from 'graphql';

export const MAX_QUERY_DEPTH = 12;
export const MAX_ALIASES = 30;
/** Tokens the parser reads at most: far above any real operation (the introspection query has about 450). */
export const PARSE_OPTIONS: ParseOptions = { maxTokens: 5_000 };

const isIntrospection = (name: string) => name === '__schema' || name === '__type';

export function queryLimits(options: { production: boolean }, maxDepth = MAX_QUERY_DEPTH, maxAliases = MAX_ALIASES) {
  return (context: ValidationContext): ASTVisitor => {
    const fragmentDepths = new Map<string, number>();
    const depthOf = (selectionSet: SelectionSetNode | undefined): number => {
      if (!selectionSet) return 0;
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          const below = !options.production && isIntrospection(selection.name.value) ? 0 : depthOf(selection.selectionSet);
          deepest = Math.max(deepest, 1 + below);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet));
        } else {
          deepest = Math.max(deepest, fragmentDepth(selection.name.value));
        }
      }
      return deepest;
    };
    /** Each fragment once; a cycle (refused by graphql-js's own rule) counts as nothing here. */
    const fragmentDepth = (name: string): number => {
      const known = fragmentDepths.get(name);
      if (known !== undefined) return known;
      fragmentDepths.set(name, 0);
      const depth = depthOf(context.getFragment(name)?.selectionSet);
      fragmentDepths.set(name, depth);
      return depth;
    };
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === maxAliases + 1) {
          context.reportError(new GraphQLError(`Too many aliased fields: at most ${maxAliases}`, { nodes: [node] }));
        }
      },
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet);
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`Query is too deep: at most ${maxDepth} levels`, { nodes: [node] }));
        }
      },
    };
  };
}

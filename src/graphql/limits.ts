/**
 * Validation rules that refuse expensive documents before anything runs: selection depth (with fragments
 * expanded) and the number of aliased fields, the amplifiers a request-counting rate limiter cannot see.
 */
import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';

export const MAX_QUERY_DEPTH = 12;
export const MAX_ALIASES = 30;

export function queryLimits(maxDepth = MAX_QUERY_DEPTH, maxAliases = MAX_ALIASES) {
  return (context: ValidationContext): ASTVisitor => {
    const depthOf = (selectionSet: SelectionSetNode | undefined, seenFragments: Set<string>): number => {
      if (!selectionSet) return 0;
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          deepest = Math.max(deepest, selection.selectionSet ? 1 + depthOf(selection.selectionSet, seenFragments) : 1);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seenFragments));
        } else {
          const name = selection.name.value;
          const fragment = context.getFragment(name);
          if (fragment && !seenFragments.has(name)) deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...seenFragments, name])));
        }
        if (deepest > maxDepth) return deepest; // stop expanding once over the limit
      }
      return deepest;
    };
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === maxAliases + 1) {
          context.reportError(new GraphQLError(`Too many aliased fields: at most ${maxAliases}`, { nodes: [node] }));
        }
      },
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`Query is too deep: at most ${maxDepth} levels`, { nodes: [node] }));
        }
      },
    };
  };
}

/**
 * The size of an objective as a person would have to read it: its number of AST nodes. A policy
 * sets a legibility limit on it (an objective nobody can read is as opaque as a callback).
 */
import { childrenOf, type Expr, type Objective } from "./ast.js";

/**
 * Number of nodes in the tree. Sums, products, `and` and `or` count once however many operands
 * they have, so `a + b + c` is 4 nodes; parentheses are not nodes.
 *
 * Iterative, so any tree, however deep, is measured without risk to the stack.
 *
 * @example expressionSize(parseExpression("maximize_me - 0.1 * steps")) === 5
 */
export function expressionSize(root: Expr | Objective): number {
  const stack: Expr[] = [root.kind === "objective" ? root.expr : root];
  let count = 0;
  for (let expr = stack.pop(); expr !== undefined; expr = stack.pop()) {
    count++;
    for (const child of childrenOf(expr)) stack.push(child);
  }
  return count;
}

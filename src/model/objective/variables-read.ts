/**
 * Which world-model variables an objective reads: what an overseer asks first ("does this objective
 * look at whether it is being watched?"), and what a world model must provide to evaluate it.
 */
import { childrenOf, type Expr, type Objective } from "./ast.js";

/**
 * The distinct identifiers in `root` that are not constants, in order of first appearance.
 *
 * Names are not checked against a world model here; {@link checkExpression} does that.
 *
 * @example variablesRead(parseExpression("a + k * b - a"), { k: 2 }) // ["a", "b"]
 */
export function variablesRead(
  root: Expr | Objective,
  constants: Readonly<Record<string, number>> = {},
): readonly string[] {
  const seen = new Set<string>();
  // Explicit stack in reverse child order, so the walk is pre-order left to right without recursion.
  const stack: Expr[] = [root.kind === "objective" ? root.expr : root];
  for (let expr = stack.pop(); expr !== undefined; expr = stack.pop()) {
    if (expr.kind === "identifier") {
      if (!Object.hasOwn(constants, expr.name)) seen.add(expr.name);
      continue;
    }
    const children = childrenOf(expr);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Expr);
  }
  return [...seen];
}

/**
 * Objectives as a small typed language: `maximize E[watered_tomatoes] - 0.1 * steps`.
 * Parse, print, type-check against a world-model description, evaluate, and load objective documents.
 */
export type {
  AdditiveOperator,
  And,
  BooleanLiteral,
  Call,
  Comparison,
  ComparisonOperator,
  Conditional,
  Expectation,
  Expr,
  ExprKind,
  FunctionName,
  Identifier,
  MultiplicativeOperator,
  Negate,
  Not,
  NumberLiteral,
  Objective,
  Or,
  Product,
  ProductFactor,
  Sense,
  StringLiteral,
  Sum,
  SumTerm,
} from "./ast.js";
export { childrenOf, FUNCTION_NAMES, SENSES } from "./ast.js";
export type { EvaluateOptions, ExpectationSource, State, Value, WeightedState } from "./evaluator.js";
export { evaluate, evaluateObjective } from "./evaluator.js";
export {
  MAX_DEPTH,
  MAX_ERRORS,
  MAX_INPUT_BYTES,
  MAX_PROXY_DEPTH,
  MAX_TOKENS,
  MAX_TREE_DEPTH,
} from "./limits.js";
export type { LoadedObjective, LoadOptions, ObjectiveDocument } from "./objective-document.js";
export { loadObjectiveDocument } from "./objective-document.js";
export type { ObjectiveErrorCode, ObjectiveErrorDetails } from "./objective-error.js";
export { ObjectiveError } from "./objective-error.js";
export type { ObjectiveType } from "./objective-type.js";
export { describeType } from "./objective-type.js";
export { parseExpression, parseObjective } from "./parser.js";
export { printExpression, printObjective } from "./printer.js";
export { expressionSize } from "./size.js";
export type { Span } from "./span.js";
export type { CheckOptions, CheckResult } from "./type-checker.js";
export { checkExpression, checkObjective } from "./type-checker.js";
export { variablesRead } from "./variables-read.js";
export type { VariableDescription, VariableDomain, WorldDescription } from "./world-description.js";

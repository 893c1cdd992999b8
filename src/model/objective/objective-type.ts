/**
 * The types of objective expressions. There are three: numbers (integer and real alike, with the
 * declared unit when one is known), booleans, and enumerations (with their values, so a literal
 * outside the domain is caught at check time rather than silently never matching).
 */
import type { VariableDomain } from "./world-description.js";

export type ObjectiveType =
  | {
      readonly kind: "number";
      /** The declared unit, or undefined for dimensionless literals and derived quantities, which are not checked. */
      readonly unit: string | undefined;
    }
  | { readonly kind: "boolean" }
  | {
      readonly kind: "enum";
      readonly values: readonly string[];
      /** The variable the values come from, for messages; undefined for literals and `if` results. */
      readonly variable: string | undefined;
      /** True for a string literal, whose single value must belong to what it is compared with. */
      readonly literal: boolean;
    };

export const NUMBER: ObjectiveType = { kind: "number", unit: undefined };
export const BOOLEAN: ObjectiveType = { kind: "boolean" };

/**
 * The type a variable with `domain` has in an expression.
 *
 * @example typeOfDomain({ kind: "real", unit: "kg" }, "mass") // { kind: "number", unit: "kg" }
 */
export function typeOfDomain(domain: VariableDomain, variable: string): ObjectiveType {
  switch (domain.kind) {
    case "boolean":
      return BOOLEAN;
    case "enum":
      return { kind: "enum", values: domain.values, variable, literal: false };
    case "int":
      return NUMBER;
    case "real":
      return { kind: "number", unit: domain.unit };
  }
}

/**
 * A type as a person reads it in an error message.
 *
 * @example describeType({ kind: "number", unit: "kg" }) === "number (kg)"
 */
export function describeType(type: ObjectiveType): string {
  switch (type.kind) {
    case "number":
      return type.unit === undefined ? "number" : `number (${type.unit})`;
    case "boolean":
      return "boolean";
    case "enum":
      if (type.literal) return `string ${JSON.stringify(type.values[0] ?? "")}`;
      return type.variable === undefined
        ? `enum {${shortList(type.values)}}`
        : `enum \`${type.variable}\` {${shortList(type.values)}}`;
  }
}

function shortList(values: readonly string[]): string {
  const shown = values.slice(0, 8).map((v) => JSON.stringify(v));
  return values.length > 8 ? `${shown.join(", ")}, ...` : shown.join(", ");
}

/**
 * Errors in an optimizer spec file: each names the file, the 1-based line and column, and the path
 * in the document (`objective.expr`, `worldModel.localModels[2].rows[5]`), so that `spec check`
 * can print `file:line:column path: message [CODE]` and an editor can jump to it.
 *
 * A spec is checked by several validators; an error keeps the code its validator gave it
 * (`VALUE_OUT_OF_DOMAIN` from the world model, `UNKNOWN_IDENTIFIER` from the objective) and says in
 * `area` which part of the spec it is about, so tests and tools can rely on codes they already know.
 */
import { OptprovError } from "../../errors.js";
import type { ImplicitWorldModelErrorCode } from "../implicit-world-model.js";
import type { ObjectiveErrorCode } from "../objective/objective-error.js";
import type { ProcessErrorCode } from "../process.js";
import type { WorldModelErrorCode } from "../world-model/world-model-error.js";
import type { DetectorNeedCode } from "./detector-needs.js";

/** Codes of the spec file itself: its size, its YAML or JSON, and its top-level fields. */
export type SpecFileErrorCode =
  /** The file is larger than the limit (see `SPEC_LIMITS.bytes`). */
  | "SPEC_TOO_LARGE"
  | "YAML_SYNTAX"
  | "JSON_SYNTAX"
  /** A YAML stream with more than one document (`---` or `...` separating them). */
  | "MULTIPLE_DOCUMENTS"
  /** A YAML tag the core schema does not define (`!!binary`, `!foo`). */
  | "YAML_TAG_UNSUPPORTED"
  /** The same key twice in one mapping: parsers disagree on which wins, so the digest would be ambiguous. */
  | "DUPLICATE_KEY"
  /** Too many aliases, or aliases that expand too far (a "billion laughs" document). */
  | "ALIAS_LIMIT"
  /** Nesting deeper than the limit. */
  | "SPEC_TOO_DEEP"
  /** A value JSON cannot hold (`.inf`, `.nan`) or a key that is not a scalar. */
  | "VALUE_NOT_JSON"
  | "ROOT_NOT_OBJECT"
  | "FIELD_MISSING"
  | "FIELD_UNKNOWN"
  | "FIELD_INVALID"
  /**
   * The key `__proto__` in a record or free JSON (`metadata`, `objective.constants`): JSON readers
   * disagree on whether it is a key or the prototype, so it is refused wherever it is not already
   * an unknown field.
   */
  | "KEY_RESERVED"
  /** `worldModel.kind` is neither `explicit` nor `implicit`. */
  | "WORLD_MODEL_KIND_UNKNOWN"
  /** More errors than `SPEC_LIMITS.errors`; the rest are not listed. */
  | "TOO_MANY_ERRORS"
  /** The file could not be read (reported by the CLI, which does the I/O). */
  | "FILE_UNREADABLE";

/** Codes of warnings: probable mistakes that leave the spec valid. */
export type SpecWarningCode =
  /** A variable tag one typo away from a role tag (`world-model/role-tags.ts`), e.g. `oversigth`. */
  "ROLE_TAG_MISSPELT";

/** Every code a spec error (or warning) can carry: the file's own and those of the part it is about. */
export type SpecErrorCode =
  | SpecFileErrorCode
  | SpecWarningCode
  | WorldModelErrorCode
  | ObjectiveErrorCode
  | ProcessErrorCode
  | ImplicitWorldModelErrorCode
  | DetectorNeedCode;

/** Which validator found the problem. */
export type SpecArea =
  | "file"
  | "spec"
  | "world-model"
  | "implicit-world-model"
  | "objective"
  | "process"
  /** A detector a policy requires cannot read what it needs (`detector-needs.ts`). */
  | "detector";

export interface SpecErrorLocation {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in code points (what an editor shows). */
  readonly column: number;
  /** The path in the document, e.g. `worldModel.localModels[2].rows[5]`; `""` for the whole document. */
  readonly path: string;
}

export class SpecError extends OptprovError<SpecErrorCode> {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly area: SpecArea;
  /** The message without location or path. */
  readonly detail: string;

  constructor(
    code: SpecErrorCode,
    area: SpecArea,
    detail: string,
    at: SpecErrorLocation,
    options?: { cause?: unknown },
  ) {
    super(
      code,
      `${at.file}:${at.line}:${at.column} ${at.path === "" ? "(document)" : at.path}: ${detail}`,
      options,
    );
    this.file = at.file;
    this.line = at.line;
    this.column = at.column;
    this.path = at.path;
    this.area = area;
    this.detail = detail;
  }

  /**
   * The error as one line for people: `file:line:column path: message [CODE]`.
   *
   * @example err.format() === "a.optimizer.yaml:7:9 objective.expr: unknown variable tomatos [UNKNOWN_IDENTIFIER]"
   */
  format(): string {
    return `${this.message} [${this.code}]`;
  }

  /**
   * The error as plain data for `--json` output.
   *
   * @example err.toJSON().code === "UNKNOWN_IDENTIFIER"
   */
  toJSON(): {
    code: SpecErrorCode;
    area: SpecArea;
    file: string;
    line: number;
    column: number;
    path: string;
    message: string;
  } {
    const { code, area, file, line, column, path, detail } = this;
    return { code, area, file, line, column, path, message: detail };
  }
}

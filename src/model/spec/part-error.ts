/**
 * The shape of an error in one part of an optimizer spec (its process, its implicit world model):
 * a code, the path inside that part (`params.alpha`), the message without the path, and the close
 * name a misspelling was probably meant to be. Each part subclasses it with its own codes, so that
 * `instanceof ProcessError` still says which validator spoke.
 */
import { OptprovError } from "../../errors.js";

export class PartError<C extends string> extends OptprovError<C> {
  /** Where in the part the problem is, e.g. `params.alpha`; `""` for the part itself. */
  readonly path: string;
  /** The message without the path in front. */
  readonly detail: string;
  /** The closest known name, for an unknown kind, field or variable. */
  readonly suggestion: string | undefined;

  constructor(code: C, detail: string, path: string, suggestion?: string) {
    super(code, path === "" ? detail : `${path}: ${detail}`);
    this.path = path;
    this.detail = detail;
    this.suggestion = suggestion;
  }
}

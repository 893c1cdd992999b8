/** What a call threw, for tests that assert codes (and never wording): `thrown(() => f()).code`. */
export interface Thrown {
  readonly code?: string;
  readonly message: string;
  readonly reasons?: readonly { readonly code: string; readonly message: string }[];
}

/**
 * Run `fn` and return what it threw; `{ message: "nothing thrown" }` (no code) when it returned.
 *
 * @example expect(thrown(() => readInputFile("/dev/zero", opts)).code).toBe("FILE_NOT_REGULAR");
 */
export function thrown(fn: () => unknown): Thrown {
  try {
    fn();
  } catch (err) {
    return err as Thrown;
  }
  return { message: "nothing thrown" };
}

/** The `code` of the error a function throws, or `"no error"`: tests assert codes, never wording. */
export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code ?? `uncoded ${String(error)}`;
  }
  return "no error";
}

/** A user's shell and TypeScript settings, for tests that run optprov the way a user would. */
import path from "node:path";

/**
 * `process.env` without what `npm test` and this project add: no npm_* variables (npm_config_*
 * would point a nested npm at this project), no INIT_CWD, no OPTPROV_* ledger settings, and none
 * of `root`'s own directories on PATH (its node_modules/.bin), so a command resolves as it would
 * for someone who never cloned this repository. `prepend` goes first on PATH.
 */
export function userEnv(root: string, prepend: readonly string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^npm_/i.test(k) && !k.startsWith("OPTPROV_") && k !== "INIT_CWD") env[k] = v;
  const own = `${path.resolve(root)}${path.sep}`;
  env.PATH = [
    ...prepend,
    ...(process.env.PATH ?? "")
      .split(path.delimiter)
      .filter((p) => p !== "" && !`${p}${path.sep}`.startsWith(own)),
  ].join(path.delimiter);
  return env;
}

/**
 * The compiler options of a user's strict ES-module TypeScript project, with @types/node taken
 * from `root` (as a user's own would be installed), and `extra` on top.
 */
export function userCompilerOptions(
  root: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    types: ["node"],
    typeRoots: [path.join(root, "node_modules/@types")],
    ...extra,
  };
}

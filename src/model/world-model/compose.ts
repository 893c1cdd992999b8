/**
 * Composition of two world models over shared variables: the composite's local models are both
 * models' local models, so its global sections are exactly the pairs of sections that agree on
 * the shared variables (the join of the two).
 */
import { compile } from "./compiled-model.js";
import { domainsEqual, formatDomain } from "./domain.js";
import type { LocalModel } from "./local-model.js";
import type { Variable } from "./variable.js";
import { type WorldModel, worldModel } from "./world-model.js";
import { WorldModelError } from "./world-model-error.js";

/**
 * Compose two world models. A variable both declare must have exactly the same domain (same kind,
 * same enumeration values in the same order, same bounds, same unit), else `DOMAIN_MISMATCH`
 * names the variable and both domains; its tags are merged. Two different local models under the
 * same name are a `LOCAL_MODEL_NAME_CLASH` (all clashes are reported); the same local model in
 * both is kept once, so composing a model with a part of itself is harmless.
 *
 * @example compose(garden, weather).localModels.length
 */
export function compose(
  first: WorldModel,
  second: WorldModel,
  options?: { readonly name?: string },
): WorldModel {
  const a = compile(first, "first").model;
  const b = compile(second, "second").model;
  const problems: WorldModelError[] = [];

  const variables: Variable[] = [...a.variables];
  const position = new Map(variables.map((v, i) => [v.name, i]));
  b.variables.forEach((v, j) => {
    const i = position.get(v.name);
    if (i === undefined) {
      position.set(v.name, variables.length);
      variables.push(v);
      return;
    }
    const mine = variables[i]!;
    if (!domainsEqual(mine.domain, v.domain)) {
      problems.push(
        new WorldModelError(
          "DOMAIN_MISMATCH",
          `variable ${v.name} has domain ${formatDomain(mine.domain)} in ${a.name} but ${formatDomain(v.domain)} in ${b.name}`,
          { path: `second.variables[${j}].domain` },
        ),
      );
      return;
    }
    const extra = v.tags.filter((t) => !mine.tags.includes(t));
    if (extra.length > 0) variables[i] = { ...mine, tags: [...mine.tags, ...extra] };
  });

  const localModels: LocalModel[] = [...a.localModels];
  const byName = new Map(localModels.map((m) => [m.name, m]));
  b.localModels.forEach((m, j) => {
    const mine = byName.get(m.name);
    if (mine === undefined) {
      localModels.push(m);
      return;
    }
    // Both came through the same schema, so equal models serialise identically.
    if (JSON.stringify(mine) !== JSON.stringify(m)) {
      problems.push(
        new WorldModelError(
          "LOCAL_MODEL_NAME_CLASH",
          `local model ${m.name} means different things in ${a.name} and ${b.name}; rename one of them`,
          { path: `second.localModels[${j}].name` },
        ),
      );
    }
  });
  if (problems.length > 0) throw WorldModelError.fromProblems(problems);
  return worldModel(options?.name ?? `${a.name} + ${b.name}`, variables, localModels);
}

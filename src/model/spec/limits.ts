/**
 * Bounds on spec files. A spec may arrive from another party (a ledger entry, an HTTP body, a
 * pull request), so each bound turns a hang, an out-of-memory or a stack overflow into a coded error.
 */
export const SPEC_LIMITS = {
  /**
   * Largest spec file, in UTF-8 bytes. Measured with yaml 2.9 on Node 20: parsing with positions
   * costs about 1.5 to 2 µs per byte (a 1 MB spec of 20,000 small mappings took 1.9 s, 1 MB of
   * flow-style rows 1.3 s) and about 200 bytes of heap per byte. 1 MiB bounds that to about two
   * seconds and a few hundred MB while holding a legible spec many times over: the legibility
   * limits (256 rows in a local model, 64 local models) fit in well under 1 MB. A world model too
   * large for a spec file belongs in the library, built with `parseWorldModel` from JSON.
   */
  bytes: 1024 * 1024,
  /**
   * Deepest nesting of mappings and lists. A legible spec nests about 8 deep (a CPT probability
   * sits at `worldModel.localModels[i].rows[j].distribution[k][1]`) and a chain of 16 `proxyFor`
   * objectives 17 deep; 64 leaves room for metadata. yaml's own recursion fails near 1,000 levels
   * (it reports RESOURCE_EXHAUSTION, mapped to SPEC_TOO_DEEP too).
   */
  depth: 64,
  /**
   * Most nodes that aliases may expand to (yaml's `maxAliasCount`, whose default this is): a
   * "billion laughs" document of nested aliases stops here instead of filling the heap.
   */
  aliasExpansion: 100,
  /**
   * Most nodes aliases may add to the document once expanded. yaml's count above bounds how many
   * times aliases are followed, not how large the anchored content is: a 500 KB list referenced a
   * hundred times would still make every later pass walk 50 MB. Legible reuse (a shared domain, a
   * repeated row) adds a few hundred nodes.
   */
  expandedNodes: 100_000,
  /** Most errors reported for one file: a person fixes the first hundred before reading more. */
  errors: 100,
  /**
   * Most YAML syntax errors reported: one unclosed bracket makes the parser report every later
   * token (49 errors for one missing quote in a 27-line file); the first few are the ones to fix.
   */
  syntaxErrors: 10,
} as const;

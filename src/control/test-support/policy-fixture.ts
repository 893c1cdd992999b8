/** A policy for tests: alice owns it, bob and carol oversee, far-off expiry; override what a test needs. */
import type { Policy } from "../policy.js";

export function testPolicy(extra: Partial<Policy> = {}): Policy {
  return {
    version: 1,
    name: "lab",
    owner: "alice",
    mode: "enforce",
    expires: "2099-01-01T00:00:00Z",
    overseers: ["bob", "carol"],
    approvals: 1,
    maxDepth: 4,
    legibility: {},
    objective: { explicitOnly: false, forbiddenTags: ["oversight"] },
    rules: [
      {
        creator: { name: "*" },
        mayCreate: ["q-learning", "gradient-descent", "tree-search"],
        approval: "automatic",
      },
    ],
    detectors: [],
    ...extra,
  };
}

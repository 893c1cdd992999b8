import { describe, expect, it } from "vitest";
import { formatProblem, loadPolicy, parsePolicy } from "./policy.js";

const GOOD = [
  "version: 1",
  "name: lab",
  "owner: alice",
  "mode: enforce",
  "expires: 2099-01-01T00:00:00Z",
  "overseers: [bob]",
  "rules:",
  "  - creator: { name: alice }",
  "    mayCreate: [q-learning]",
].join("\n");

const problems = (text: string) => loadPolicy(text, "lab.yaml").problems;
const codes = (text: string) => problems(text).map((p) => p.code);

describe("loadPolicy", () => {
  it("reads a valid policy, with defaults filled in", () => {
    const { policy, problems } = loadPolicy(GOOD, "lab.yaml");
    expect(problems).toEqual([]);
    expect(policy).toMatchObject({
      name: "lab",
      approvals: 1,
      maxDepth: 4,
      rules: [{ approval: "required" }],
    });
  });

  it("locates every schema problem by line, column and path", () => {
    const text =
      GOOD.replace("mode: enforce", "mode: enfroce").replace("name: lab", "nme: lab") +
      "\n  - creator: {}\n    mayCreate: [x]";
    const found = problems(text);
    expect(found.map((p) => [p.code, p.path, p.line, p.column])).toEqual([
      ["FIELD_MISSING", "name", 1, 1],
      ["FIELD_UNKNOWN", "nme", 2, 1],
      ["FIELD_INVALID", "mode", 4, 7],
      ["FIELD_INVALID", "rules[1].creator", 10, 14],
    ]);
    expect(formatProblem(found[2]!)).toMatch(/^lab\.yaml:4:7 mode: .*enfroce.* \[FIELD_INVALID\]$/);
    expect(found[1]!.detail).toContain("did you mean name?");
  });

  const hostile: [string, string, string][] = [
    ["10,000 nested brackets", `a: ${"[".repeat(10_000)}${"]".repeat(10_000)}`, "DOCUMENT_TOO_DEEP"],
    [
      "a deep block mapping",
      Array.from({ length: 100 }, (_, i) => `${" ".repeat(2 * i)}k:`).join("\n") + " 1",
      "DOCUMENT_TOO_DEEP",
    ],
    ["a duplicate key", `${GOOD}\nname: again`, "DUPLICATE_KEY"],
    ["a YAML syntax error", "a: [1, 2\nb: c", "YAML_SYNTAX"],
    ["two documents", `${GOOD}\n---\nx: 1`, "MULTIPLE_DOCUMENTS"],
    [
      "a billion laughs",
      "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "ALIAS_LIMIT",
    ],
    ["an infinite number", `${GOOD}\napprovals: .inf`, "VALUE_NOT_JSON"],
    ["a binary tag", `${GOOD}\ndetectors: !!binary aGVsbG8=`, "YAML_TAG_UNSUPPORTED"],
    ["a scalar document", "PRIVATE+KEY+alice+12345678+AQsecretsecret", "ROOT_NOT_OBJECT"],
    ["an empty document", "", "ROOT_NOT_OBJECT"],
    ["a list document", "- a\n- b", "ROOT_NOT_OBJECT"],
    ["more than 256 KiB", `name: ${"x".repeat(300 * 1024)}`, "DOCUMENT_TOO_LARGE"],
  ];
  for (const [name, text, code] of hostile) {
    it(`refuses ${name} with ${code}, located, without throwing`, () => {
      const found = problems(text);
      expect(found[0]?.code).toBe(code);
      expect(found[0]?.line).toBeGreaterThanOrEqual(1);
      expect(found[0]?.column).toBeGreaterThanOrEqual(1);
    });
  }

  it("never quotes a scalar document (a secret symlinked where a policy belongs)", () => {
    const [p] = problems("PRIVATE+KEY+alice+12345678+AQsecretsecret");
    expect(p?.message).not.toContain("secret");
  });

  it("caps the problems it lists", () => {
    const rules = Array.from({ length: 200 }, () => "  - { creator: {}, mayCreate: [x] }").join("\n");
    const found = problems(GOOD.replace(/rules:[\s\S]*$/, `rules:\n${rules}`));
    expect(found.length).toBe(101);
    expect(found[100]?.code).toBe("TOO_MANY_ERRORS");
  });
});

describe("parsePolicy", () => {
  it("throws POLICY_INVALID whose reasons are every located problem", () => {
    let err: { code?: string; reasons?: { code: string; message: string }[] } = {};
    try {
      parsePolicy(GOOD.replace("mode: enforce", "mode: x").replace("owner: alice", "owner: 7"), "lab.yaml");
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe("POLICY_INVALID");
    expect(err.reasons?.map((r) => r.code)).toEqual(["FIELD_INVALID", "FIELD_INVALID"]);
    expect(err.reasons?.[0]?.message).toMatch(/^lab\.yaml:3:8 owner: /);
  });

  it("checks an already decoded value by path", () => {
    expect(() => parsePolicy({ version: 1 })).toThrow(expect.objectContaining({ code: "POLICY_INVALID" }));
    expect(codes(GOOD)).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { isScalar, LineCounter, parseDocument, type Scalar } from "yaml";
import { expressionOffset, nodeAt, nodeOffset, positionAt } from "./source-positions.js";

function parsed(text: string) {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  return { doc, lines };
}

/** The file position of the character at 1-based line/column of the value of key `e`. */
function place(text: string, line: number, column: number) {
  const { doc, lines } = parsed(text);
  const { node } = nodeAt(doc, ["e"]);
  if (!isScalar(node)) throw new Error("expected a scalar");
  return positionAt(text, lines, expressionOffset(text, node as Scalar, line, column));
}

describe("positionAt", () => {
  it("counts columns in code points, not UTF-16 units", () => {
    const text = 'a: "😀😀x"\n';
    const { lines } = parsed(text);
    expect(positionAt(text, lines, text.indexOf("x"))).toEqual({ line: 1, column: 7 });
  });

  it("handles CRLF line ends", () => {
    const text = "a: 1\r\nb: 2\r\n";
    const { lines } = parsed(text);
    expect(positionAt(text, lines, text.indexOf("b"))).toEqual({ line: 2, column: 1 });
  });
});

describe("nodeAt", () => {
  const text = "a:\n  b: [10, 20]\n  c:\n";
  const { doc } = parsed(text);

  it("finds nested mapping values and list items", () => {
    const { node, exact } = nodeAt(doc, ["a", "b", 1]);
    expect(exact).toBe(true);
    expect(nodeOffset(node)).toBe(text.indexOf("20"));
  });

  it("stops at the deepest existing node when the path goes further", () => {
    const { node, exact } = nodeAt(doc, ["a", "missing", "deeper"]);
    expect(exact).toBe(false);
    expect(nodeOffset(node)).toBe(text.indexOf("b:"));
  });

  it("points at the key of a field without a value", () => {
    expect(nodeOffset(nodeAt(doc, ["a", "c"]).node)).toBe(text.indexOf("c:"));
  });

  it("follows aliases to the anchored node", () => {
    const t = "x: &x { y: 1 }\nz: *x\n";
    const { doc: d } = parsed(t);
    expect(nodeOffset(nodeAt(d, ["z", "y"]).node)).toBe(t.indexOf("1"));
  });
});

describe("expressionOffset", () => {
  it("maps a plain scalar one to one", () => {
    expect(place("e: a + bad\n", 1, 5)).toEqual({ line: 1, column: 8 });
  });

  it("skips the opening quote and points at the start of an escape", () => {
    expect(place('e: "a + \\"x\\" + bad"\n', 1, 5)).toEqual({ line: 1, column: 9 });
    expect(place('e: "a + \\"x\\" + bad"\n', 1, 11)).toEqual({ line: 1, column: 17 });
    expect(place("e: 'it''s + bad'\n", 1, 8)).toEqual({ line: 1, column: 13 });
  });

  it("maps lines of a block literal to lines of the file, past the indentation", () => {
    const text = "e: |\n  a +\n    2 * bad\n";
    expect(place(text, 2, 7)).toEqual({ line: 3, column: 9 });
    expect(place(text, 1, 1)).toEqual({ line: 2, column: 3 });
  });

  it("maps a folded scalar, whose line breaks became spaces", () => {
    const text = "e: >-\n  a +\n  bad\n";
    expect(place(text, 1, 5)).toEqual({ line: 3, column: 3 });
  });

  it("maps a multi-line plain scalar", () => {
    const text = "e: a +\n  bad\n";
    expect(place(text, 1, 5)).toEqual({ line: 2, column: 3 });
  });

  it("stays inside the scalar for positions past its end", () => {
    const text = "e: ab\nf: 1\n";
    expect(place(text, 9, 9).line).toBe(1);
  });
});

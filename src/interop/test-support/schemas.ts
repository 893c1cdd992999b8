/**
 * Validators for the published schemas vendored in test/vectors/interop/ (see its README for where
 * each comes from), compiled with ajv the way each schema declares itself: OpenLineage as JSON
 * Schema 2020-12, CycloneDX as draft-07 (with its SPDX and JSF schemas), the Sigstore bundle as
 * draft-04 read by the draft-07 validator (the keywords it uses mean the same in both).
 */
import fs from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { Ajv, type ValidateFunction } from "ajv/dist/ajv.js";
import addFormatsModule from "ajv-formats";

const VECTORS = path.resolve(import.meta.dirname, "../../../test/vectors/interop");
// ajv-formats is CommonJS with its plugin as `default`; NodeNext hands over the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv | Ajv2020) => void;

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

export interface OpenLineageValidators {
  readonly runEvent: ValidateFunction;
  readonly parentFacet: ValidateFunction;
  readonly optimizerFacet: ValidateFunction;
}

/** The OpenLineage event schema, the parent run facet's, and optprov's custom facet's. */
export function openLineageValidators(): OpenLineageValidators {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const main = readJson(path.join(VECTORS, "openlineage/OpenLineage.json"));
  ajv.addSchema(main);
  ajv.addSchema(readJson(path.join(VECTORS, "openlineage/ParentRunFacet.json")));
  ajv.addSchema(readJson(path.resolve(import.meta.dirname, "../openlineage-optimizer-facet.schema.json")));
  return {
    runEvent: ajv.getSchema("https://openlineage.io/spec/2-0-2/OpenLineage.json")!,
    parentFacet: ajv.getSchema(
      "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
    )!,
    optimizerFacet: ajv.getSchema(
      "https://optprov.dev/spec/facets/1-0-0/OptprovOptimizerRunFacet.json#/$defs/OptprovOptimizerRunFacet",
    )!,
  };
}

/** CycloneDX 1.6 (bom-1.6.schema.json with the spdx and jsf schemas it references). */
export function cycloneDxValidator(): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const f of ["spdx.schema.json", "jsf-0.82.schema.json"])
    ajv.addSchema(readJson(path.join(VECTORS, "cyclonedx", f)));
  return ajv.compile(readJson(path.join(VECTORS, "cyclonedx/bom-1.6.schema.json")));
}

/**
 * The Sigstore bundle schema (protobuf-specs, generated). As published, its `oneOf` clauses require
 * the proto field names (`dsse_envelope`, `public_key`, ...) while its properties are the JSON names
 * (`dsseEnvelope`, `publicKey`) under `additionalProperties: false`, so it admits no bundle at all;
 * here each `required` name in a `oneOf` is rewritten to its JSON name (lowerCamelCase, as protojson
 * writes it). And where a property is `{"$ref": ..., "additionalProperties": false}`, the sibling
 * of `$ref` is dropped: draft-04 says every other member of a `$ref` object MUST be ignored, and
 * ajv would otherwise apply it (refusing every field of the referenced object). Nothing else changes.
 */
export function sigstoreBundleValidator(): ValidateFunction {
  const schema = readJson(path.join(VECTORS, "sigstore/Bundle.schema.json"));
  delete schema.$schema;
  const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  for (const def of Object.values(schema.definitions as Record<string, { oneOf?: { required: string[] }[] }>))
    for (const clause of def.oneOf ?? []) clause.required = clause.required.map(camel);
  const dropRefSiblings = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(dropRefSiblings);
    if (typeof node !== "object" || node === null) return node;
    const o = node as Record<string, unknown>;
    // The root is `{"$ref": "#/definitions/Bundle", "definitions": ...}`: its definitions stay.
    if (typeof o.$ref === "string")
      return { $ref: o.$ref, ...(o.definitions ? { definitions: dropRefSiblings(o.definitions) } : {}) };
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, dropRefSiblings(v)]));
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // "binary" is protobuf's format name for base64 bytes, not a JSON Schema format.
  ajv.addFormat("binary", /^[A-Za-z0-9+/]*={0,2}$/);
  return ajv.compile(dropRefSiblings(schema) as Record<string, unknown>);
}

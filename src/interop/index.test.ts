/** The public surface of optprov/interop is explicit: this list changes only on purpose. */
import { expect, it } from "vitest";
import * as interop from "./index.js";

it("pins the exports of optprov/interop", () => {
  expect(Object.keys(interop).sort()).toEqual([
    "EXPORT_FORMATS",
    "OPENLINEAGE_SCHEMA_URL",
    "OPTIMIZER_FACET_SCHEMA_URL",
    "OPTPROV_ENTRY_KIND",
    "SIGSTORE_BUNDLE_V03",
    "exportFormat",
    "exportLedger",
    "logIdFor",
    "optimizerFacts",
    "runIdFor",
    "toCycloneDx",
    "toOpenLineage",
    "toSigstoreBundle",
    "verifySigstoreBundle",
  ]);
});

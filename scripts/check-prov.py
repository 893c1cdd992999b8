#!/usr/bin/python3
"""Check an optprov PROV-JSON export with the reference W3C PROV implementation.

usage: /usr/bin/python3 scripts/check-prov.py EXPORT.json [--json]

Reads the export with the Python `prov` library (Debian: python3-prov), serialises it to PROV-N,
PROV-XML, PROV-JSON and RDF (Turtle, through rdflib, which python3-prov depends on), reads the
XML, JSON and RDF back, and checks what other tools rely on:

- every prov:type value is a qualified name, never a string literal (in RDF: no literal rdf:type);
- every agent has the PROV class its optprov:role (root actors) or optprov:process (optimizers)
  calls for: prov:Person, prov:Organization or prov:SoftwareAgent, exactly one of them;
- every prov:plan of an association names an entity typed prov:Plan;
- every creation governed by a policy (optprov:policyDigest) is associated with that policy as its
  plan, and every optimizer generated from a spec (optprov:specDigest) by a creation associated
  with that spec as its plan.

Prints one line per problem (or, with --json, one JSON document with the problems and a summary)
and exits 0 when there are none, 1 when there are, 2 when the input or the libraries are missing.
A checker that shares no code with the exporter, so that it can disagree with it.
"""

import json
import sys

try:
    from prov.identifier import QualifiedName
    from prov.model import (
        PROV_ASSOCIATION,
        PROV_ATTR_ACTIVITY,
        PROV_ATTR_AGENT,
        PROV_ATTR_ENTITY,
        PROV_ATTR_PLAN,
        PROV_GENERATION,
        PROV_TYPE,
        ProvAgent,
        ProvDocument,
        ProvEntity,
    )
except ImportError as err:  # the test that calls this script turns exit 2 into a clear failure
    print(
        f"check-prov: the Python 'prov' library is missing ({err}); "
        "install Debian's python3-prov (apt-get install -y python3-prov)",
        file=sys.stderr,
    )
    sys.exit(2)

try:
    import rdflib
except ImportError:  # python3-prov depends on rdflib, a pip install of prov may not
    rdflib = None

PROV_NS = "http://www.w3.org/ns/prov#"
AGENT_CLASSES = {"Person", "Organization", "SoftwareAgent"}
# The PROV class each root-actor role calls for: overseers are people; a witness is a service.
ROLE_CLASS = {
    "person": "Person",
    "overseer": "Person",
    "organisation": "Organization",
    "system": "SoftwareAgent",
    "witness": "SoftwareAgent",
}


def local(name):
    """'optprov:role' or prov:type's QualifiedName -> ('optprov', 'role')."""
    if isinstance(name, QualifiedName):
        return name.namespace.prefix, name.localpart
    prefix, _, part = str(name).partition(":")
    return prefix, part


def attrs(record):
    """Attribute name ('prov:type', 'optprov:role', ...) -> list of values."""
    out = {}
    for key, value in record.attributes:
        out.setdefault(str(key), []).append(value)
    return out


def types(record):
    return attrs(record).get("prov:type", [])


def prov_types(record):
    return {local(t)[1] for t in types(record) if isinstance(t, QualifiedName) and local(t)[0] == "prov"}


def optprov_types(record):
    return {local(t)[1] for t in types(record) if isinstance(t, QualifiedName) and local(t)[0] == "optprov"}


def check(doc):
    problems = []
    records = list(doc.get_records())
    ident = {str(r.identifier): r for r in records if r.identifier is not None and r.is_element()}

    # 1. Types are qualified names.
    for r in records:
        for t in types(r):
            if not isinstance(t, QualifiedName):
                problems.append(
                    f"TYPE_NOT_QUALIFIED_NAME: {r.identifier or r.get_type()}: prov:type expected a qualified name, got the literal {str(t)!r}"
                )

    # 2. Agents have the right class.
    agents = [r for r in records if isinstance(r, ProvAgent)]
    classes = {}
    for a in agents:
        a_attrs = attrs(a)
        role = [str(v) for v in a_attrs.get("optprov:role", [])]
        if role:
            expected = ROLE_CLASS.get(role[0])
        elif a_attrs.get("optprov:process"):
            expected = "SoftwareAgent"
        else:
            expected = None
        got = sorted(prov_types(a) & AGENT_CLASSES)
        if expected is None:
            problems.append(f"AGENT_UNCLASSIFIABLE: {a.identifier}: neither optprov:role nor optprov:process")
        elif got != [expected]:
            problems.append(f"AGENT_CLASS_WRONG: {a.identifier}: expected prov:{expected}, got {['prov:' + g for g in got] or 'none'}")
        for g in got:
            classes[g] = classes.get(g, 0) + 1

    # 3. Plans: associations name Plan entities; governed creations and spec-built optimizers are linked.
    plans = {i: r for i, r in ident.items() if isinstance(r, ProvEntity) and "Plan" in prov_types(r)}
    associations = [r for r in records if r.get_type() == PROV_ASSOCIATION]
    plans_of = {}  # activity id -> set of plan ids
    linked = set()
    for assoc in associations:
        plan = assoc.get_attribute(PROV_ATTR_PLAN)
        activity = assoc.get_attribute(PROV_ATTR_ACTIVITY)
        if not plan:
            continue
        plan_id = str(next(iter(plan)))
        if plan_id not in plans:
            problems.append(f"PLAN_NOT_A_PLAN: an association of {next(iter(activity), None)} names {plan_id}, which is not a prov:Plan entity")
            continue
        linked.add(plan_id)
        for act in activity:
            plans_of.setdefault(str(act), set()).add(plan_id)

    def plan_with(kind, digest):
        return {i for i, p in plans.items() if kind in optprov_types(p) and digest in [str(v) for v in attrs(p).get("optprov:digest", [])]}

    governed = 0
    for i, r in ident.items():
        if "Creation" not in optprov_types(r):
            continue
        for digest in [str(v) for v in attrs(r).get("optprov:policyDigest", [])]:
            governed += 1
            if not plan_with("Policy", digest) & plans_of.get(i, set()):
                problems.append(f"POLICY_NOT_LINKED: {i}: governed by policy {digest[:12]}, but no association names it as the plan")

    generated_by = {}
    for g in (r for r in records if r.get_type() == PROV_GENERATION):
        for e in g.get_attribute(PROV_ATTR_ENTITY):
            generated_by.setdefault(str(e), set()).update(str(a) for a in g.get_attribute(PROV_ATTR_ACTIVITY))
    from_spec = 0
    for i, r in ident.items():
        if "Optimizer" not in optprov_types(r):
            continue
        for digest in [str(v) for v in attrs(r).get("optprov:specDigest", [])]:
            from_spec += 1
            creations = generated_by.get(i, set())
            if not creations:
                problems.append(f"OPTIMIZER_NOT_GENERATED: {i}: no wasGeneratedBy names its creation")
            specs = plan_with("OptimizerSpec", digest)
            if not any(specs & plans_of.get(c, set()) for c in creations):
                problems.append(f"SPEC_NOT_LINKED: {i}: built from spec {digest[:12]}, but its creation has no association with that spec as its plan")

    summary = {
        "records": len(records),
        "agents": len(agents),
        "agentClasses": classes,
        "plans": len(plans),
        "plansLinked": len(linked),
        "policies": sum(1 for p in plans.values() if "Policy" in optprov_types(p)),
        "specs": sum(1 for p in plans.values() if "OptimizerSpec" in optprov_types(p)),
        "associationsWithPlan": sum(1 for a in associations if a.get_attribute(PROV_ATTR_PLAN)),
        "creationsGoverned": governed,
        "optimizersFromSpecs": from_spec,
        "formats": [],
    }
    return problems, summary


def check_formats(doc, summary, problems):
    """Serialise to every format the library writes; read back those it reads; compare."""
    provn = doc.get_provn()
    if 'prov:type="' in provn:
        problems.append("PROVN_STRING_TYPE: the PROV-N form has a string-valued prov:type")
    summary["formats"].append("provn")

    for fmt in ("json", "xml"):
        text = doc.serialize(format=fmt)
        back = ProvDocument.deserialize(content=text, format=fmt)
        if back != doc:
            problems.append(f"ROUND_TRIP_{fmt.upper()}: the document read back from {fmt} differs from the original")
        summary["formats"].append(fmt)

    if rdflib is None:
        summary["rdf"] = "rdflib not installed: RDF not checked"
        return
    turtle = doc.serialize(format="rdf", rdf_format="turtle")
    g = rdflib.Graph()
    g.parse(data=turtle, format="turtle")
    prov = rdflib.Namespace(PROV_NS)
    for s, o in g.subject_objects(rdflib.RDF.type):
        if isinstance(o, rdflib.Literal):
            problems.append(f"RDF_LITERAL_TYPE: {s} rdf:type {o!r}, a literal where a class belongs")
    for agent in g.subjects(rdflib.RDF.type, prov.Agent):
        got = {str(o)[len(PROV_NS):] for o in g.objects(agent, rdflib.RDF.type) if str(o).startswith(PROV_NS)}
        if len(got & AGENT_CLASSES) != 1:
            problems.append(f"RDF_AGENT_CLASS: {agent}: expected one of prov:{sorted(AGENT_CLASSES)}, got {sorted(got & AGENT_CLASSES)}")
    summary["rdfTriples"] = len(g)
    summary["rdfAgentClasses"] = {c: len(set(g.subjects(rdflib.RDF.type, prov[c]))) for c in sorted(AGENT_CLASSES)}
    summary["rdfHadPlan"] = len(list(g.triples((None, prov.hadPlan, None))))
    summary["rdfPlans"] = len(set(g.subjects(rdflib.RDF.type, prov.Plan)))
    summary["formats"].append("rdf")


def main(argv):
    args = [a for a in argv if a != "--json"]
    as_json = "--json" in argv
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            text = f.read()
    except OSError as err:
        print(f"check-prov: cannot read {args[0]}: {err}", file=sys.stderr)
        return 2
    try:
        doc = ProvDocument.deserialize(content=text, format="json")
    except Exception as err:  # noqa: BLE001 - any failure to read is the finding
        problems, summary = [f"PROV_JSON_UNREADABLE: the prov library could not read {args[0]}: {err!r}"], {}
    else:
        problems, summary = check(doc)
        check_formats(doc, summary, problems)
    if as_json:
        print(json.dumps({"ok": not problems, "problems": problems, "summary": summary}, indent=2))
    else:
        for p in problems:
            print(p)
        print(("OK: " if not problems else f"{len(problems)} problem(s); ") + json.dumps(summary))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

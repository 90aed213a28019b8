"""Validates custom resources against the openAPIV3Schema of their CustomResourceDefinitions.

    python validate_crd.py CRD_DIR RESOURCE.yaml...

CRD_DIR holds the CRDs as published (here: config/crd/full of the kserve Go module). Fields a schema does not
declare are errors (the API server would prune them silently), except under x-kubernetes-preserve-unknown-fields.
Exits non-zero when any resource fails or has no CRD.
"""

import glob
import os
import sys

import jsonschema
import yaml


def strict(schema):
    """A copy of a structural schema that rejects undeclared properties, as pruning would drop them."""
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) if isinstance(v, dict) else
           ([strict(x) for x in v] if isinstance(v, list) else v) for k, v in schema.items()}
    if "properties" in out:
        out["properties"] = {k: strict(v) for k, v in schema["properties"].items()}
    if (schema.get("type") == "object" and "properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    return out


def load_crds(directory):
    schemas = {}
    for path in glob.glob(os.path.join(directory, "*.yaml")):
        with open(path) as f:
            for crd in yaml.safe_load_all(f):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
                for v in crd["spec"]["versions"]:
                    schema = strict(v["schema"]["openAPIV3Schema"])
                    # metadata is validated by the API server itself, not by the CRD
                    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                    schemas[(f"{group}/{v['name']}", kind)] = schema
    return schemas


def main():
    schemas = load_crds(sys.argv[1])
    failed = 0
    for path in sys.argv[2:]:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if not doc:
                    continue
                key = (doc.get("apiVersion"), doc.get("kind"))
                name = f"{path}: {key[1]}/{doc.get('metadata', {}).get('name')}"
                if key not in schemas:
                    print(f"FAIL {name}: no CRD for {key}")
                    failed += 1
                    continue
                errors = sorted(jsonschema.Draft7Validator(schemas[key]).iter_errors(doc), key=lambda e: e.path)
                for e in errors:
                    print(f"FAIL {name}: {'/'.join(map(str, e.path))}: {e.message}")
                failed += bool(errors)
                if not errors:
                    print(f"PASS {name} against the {key[0]} CRD schema")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

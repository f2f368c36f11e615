#!/usr/bin/python3
"""Holds docs/openapi.yaml to the job service: every route the server registers is documented (method, path,
role) and nothing undocumented or stale is there; every route has a sample answer; every sample answer's JSON
matches the schema of its documented status. Usage: openapi_check.py SPEC ROUTES.json SAMPLES.json"""

import json
import sys

import yaml


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        path = node["$ref"].lstrip("#/").split("/")
        node = spec
        for p in path:
            node = node[p]
    return node


def validate(spec, schema, value, where, errors):
    schema = resolve(spec, schema)
    if value is None:
        if not schema.get("nullable", False):
            errors.append(f"{where}: null where {schema.get('type', 'a value')} is required")
        return
    t = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if t and not checks[t](value):
        errors.append(f"{where}: expected {t}, got {type(value).__name__} {json.dumps(value)[:80]}")
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if t == "object":
        props = schema.get("properties", {})
        for r in schema.get("required", []):
            if r not in value:
                errors.append(f"{where}: missing required field {r!r}")
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                validate(spec, props[k], v, f"{where}.{k}", errors)
            elif extra is False:
                errors.append(f"{where}: undocumented field {k!r}")
            elif isinstance(extra, dict):
                validate(spec, extra, v, f"{where}.{k}", errors)
    if t == "array" and "items" in schema:
        for i, v in enumerate(value):
            validate(spec, schema["items"], v, f"{where}[{i}]", errors)


def main():
    spec = yaml.safe_load(open(sys.argv[1]))
    routes = json.load(open(sys.argv[2]))
    samples = json.load(open(sys.argv[3]))
    errors = []
    documented = {}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            documented[(method.upper(), path)] = op
    registered = {(r["method"], r["pattern"]): r for r in routes}
    for key, r in registered.items():
        op = documented.get(key)
        if op is None:
            errors.append(f"route {key[0]} {key[1]} is not in the spec")
            continue
        if op.get("x-baton-role") != r["role"]:
            errors.append(f"{key[0]} {key[1]}: spec says role {op.get('x-baton-role')!r}, server {r['role']!r}")
        open_route = op.get("security") == []
        if open_route != (r["role"] == "none"):
            errors.append(f"{key[0]} {key[1]}: security in the spec does not match role {r['role']!r}")
    for key in documented:
        if key not in registered:
            errors.append(f"spec documents {key[0]} {key[1]}, which the server does not serve")
    answered = set()
    for s in samples:
        key = (s["method"], s["pattern"])
        op = documented.get(key)
        where = f"{s['method']} {s['pattern']} → {s['status']}"
        if op is None:
            errors.append(f"sample for undocumented {where}")
            continue
        response = op["responses"].get(str(s["status"]))
        if response is None:
            errors.append(f"{where}: status not documented")
            continue
        if 200 <= s["status"] < 300:
            answered.add(key)
        response = resolve(spec, response)
        content = response.get("content", {})
        ctype = s["content_type"].split(";")[0].strip()
        if ctype not in content:
            errors.append(f"{where}: content type {ctype} not documented ({list(content)})")
            continue
        schema = content[ctype].get("schema", {})
        if ctype == "application/json":
            try:
                body = json.loads(s["body"])
            except ValueError as e:
                errors.append(f"{where}: body is not JSON: {e}")
                continue
            validate(spec, schema, body, where, errors)
        elif ctype == "text/event-stream":
            for i, line in enumerate(s["body"].split("\n")):
                if line.startswith("data: "):
                    validate(spec, schema, json.loads(line[6:]), f"{where} event {i}", errors)
    for key in registered:
        if key not in answered:
            errors.append(f"no successful sample answer for {key[0]} {key[1]}")
    for e in errors:
        print(e)
    print(f"{len(registered)} routes, {len(samples)} samples, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

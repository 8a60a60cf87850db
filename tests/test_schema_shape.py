"""The public API's shape stays as published: paths, operations, their parameters, request and
response bodies, and every component's fields and enum values, compared with the recorded
shape in schema_shape.json. Descriptions may change freely; anything else must be a deliberate
change, recorded with `SCHEMA_SHAPE_UPDATE=1 pytest myproject/tests/test_schema_shape.py`."""

import json
import os
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

RECORDED = Path(__file__).with_name("schema_shape.json")


def _refs(content: dict) -> dict:
    return {kind: json.dumps(body.get("schema"), sort_keys=True) for kind, body in content.items()}


def shape(schema: dict) -> dict:
    paths = {
        path: {
            method: {
                "operation": op["operationId"],
                "tags": op.get("tags", []),
                "parameters": sorted(f"{p['in']}:{p['name']}" for p in op.get("parameters", [])),
                "request": _refs(op.get("requestBody", {}).get("content", {})),
                "responses": {
                    code: _refs(response.get("content", {}))
                    for code, response in op["responses"].items()
                },
            }
            for method, op in operations.items()
        }
        for path, operations in schema["paths"].items()
    }
    components = {
        name: {
            "properties": sorted(component.get("properties", {})),
            "required": sorted(component.get("required", [])),
            "enum": component.get("enum", []),
        }
        for name, component in schema["components"]["schemas"].items()
    }
    return {"paths": paths, "components": components}


def test_the_public_schema_keeps_its_recorded_shape():
    current = shape(SchemaGenerator().get_schema(request=None, public=True))
    if os.environ.get("SCHEMA_SHAPE_UPDATE"):
        RECORDED.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")

    assert current == json.loads(RECORDED.read_text())

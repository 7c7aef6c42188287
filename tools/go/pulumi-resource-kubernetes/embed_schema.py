"""Write the files the Kubernetes provider embeds (upstream: `go generate` in its cmd folder).

Usage: embed_schema.py SOURCE_DIR BUILD_DIR VERSION

SOURCE_DIR is the provider module's cmd/pulumi-resource-kubernetes folder, which ships
schema.json and terraform-mapping.json; the provider embeds schema-embed.json (the schema with
its version set) and terraform-mapping-embed.json (the mapping, compacted).
"""

import json
import sys
from pathlib import Path


def main() -> None:
    source, build, version = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    schema = json.loads((source / "schema.json").read_text())
    schema["version"] = version
    (build / "schema-embed.json").write_text(json.dumps(schema, separators=(",", ":")))
    mapping = json.loads((source / "terraform-mapping.json").read_text())
    (build / "terraform-mapping-embed.json").write_text(json.dumps(mapping, separators=(",", ":")))


if __name__ == "__main__":
    main()

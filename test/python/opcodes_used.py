"""Reads base64 pickles, one a line, on stdin; prints the JSON list of the
names of the opcodes they use (pickletools.genops)."""
import base64
import json
import pickletools
import sys

used = set()
for line in sys.stdin:
    if line.strip():
        used.update(op.name for op, _, _ in pickletools.genops(base64.b64decode(line)))
print(json.dumps(sorted(used)))

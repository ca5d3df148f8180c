"""Prints JSON lines {protocol, pickle (base64), expect} for seeded random values.

usage: python3 emit_cases.py SEED COUNT_PER_PROTOCOL
"""
import base64
import json
import sys

from values import cases

seed, count = sys.argv[1], int(sys.argv[2])
for protocol, data, expect in cases(seed, count):
    print(json.dumps({'protocol': protocol, 'pickle': base64.b64encode(data).decode(), 'expect': expect}))

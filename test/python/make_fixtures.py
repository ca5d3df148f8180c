"""Writes test/fixtures/corpus.json: pickles CPython wrote for seeded random
values at protocols 0-5, with their descriptions, so that the core tests run
without Python. Regenerate with: python3 test/python/make_fixtures.py"""
import base64
import json
import os
import platform

from values import cases

here = os.path.dirname(os.path.abspath(__file__))
corpus = {
    'python': platform.python_version(),
    'cases': [
        {'protocol': protocol, 'pickle': base64.b64encode(data).decode(), 'expect': expect}
        for protocol, data, expect in cases('fixtures', 40)
    ],
}
with open(os.path.join(here, '..', 'fixtures', 'corpus.json'), 'w') as f:
    json.dump(corpus, f, indent=0)
    f.write('\n')

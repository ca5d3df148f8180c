"""Reads JSON lines {pickle (base64), encoding?} on stdin; for each prints
{expect: description} of what Python's pickle.loads makes of it, or {error}."""
import base64
import json
import pickle
import sys

from values import describe

for line in sys.stdin:
    request = json.loads(line)
    try:
        value = pickle.loads(base64.b64decode(request['pickle']), encoding=request.get('encoding', 'ASCII'))
        print(json.dumps({'expect': describe(value)}))
    except Exception as error:  # the JS side expects an UnpicklingError for these
        print(json.dumps({'error': f'{type(error).__name__}: {error}'}))
    sys.stdout.flush()

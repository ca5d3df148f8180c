// msgpackr requires this in a try/catch and runs without it.
throw new Error('msgpackr-extract is stubbed out in pickle-wasm (see package.json)');

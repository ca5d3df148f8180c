// Where the scan worker's script is: scripts/build.mjs replaces this module
// in each build with one that knows (ESM: by import.meta.url; CommonJS: by
// __dirname), which one source cannot say for both. Null: no worker.
export const scanWorkerPath: string | URL | null = null;

/**
 * Lets Node's CommonJS loader (tsx for `npm start`, the benchmarks, gen:schemas) load a `.sh` file
 * as its text, as esbuild's text loader does in the bundle and test/helpers/sh-transform.js under
 * jest. Imported just before the first `.sh` import: CommonJS runs imports in order, so the handler is
 * in place when the `.sh` file is required. In the bundle and under jest it is never called.
 */
import { readFileSync } from 'node:fs';

// `require` is undefined in an ES module; where it exists, an extension already handled is left alone.
const extensions = typeof require === 'function' ? require.extensions : undefined;
if (extensions && !extensions['.sh']) {
  extensions['.sh'] = (module, filename) => {
    module.exports = { __esModule: true, default: readFileSync(filename, 'utf8') };
  };
}

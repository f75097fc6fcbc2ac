/** Jest transform for `.sh` files: the module's default export is the file's text, as with esbuild's text loader. */
module.exports = {
  process(sourceText) {
    return {
      code: `Object.defineProperty(exports, '__esModule', { value: true });\nexports.default = ${JSON.stringify(sourceText)};\n`,
    };
  },
};

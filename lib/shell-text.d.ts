/** A `.sh` file imported as its text: esbuild's text loader in the bundle, lib/tunnel/sh-require.ts under Node and tsx, test/helpers/sh-transform.js under jest. */
declare module '*.sh' {
  const text: string;
  export default text;
}

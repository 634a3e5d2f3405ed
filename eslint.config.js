// Lint: neostandard (the `standard` style, for TypeScript) over the sources, tests, scripts and benches.
// `npm run lint`; `npm test` runs it before the type check.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['.testnet/**', 'dist/**', '.reports/**', 'test-results/**', 'playwright-report/**', 'node_modules/**', 'patches/**', 'node-core/wasm/secp256k1/assembly/**'] }),
  {
    rules: {
      // noble's exports are snake_case (keccak_256, secp256k1_FROST): imported names keep the library's spelling.
      camelcase: ['error', { ignoreImports: true, properties: 'never', allow: ['^bls12_381$', '^secp256k1_FROST$', '^keccak_256$'] }],
      // `void promise` marks a promise deliberately not awaited (its errors are handled where it is made).
      'no-void': ['error', { allowAsStatement: true }]
    }
  }
]

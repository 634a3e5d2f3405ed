/**
 * Bundles the EIP-1559 signer action (eip1559-signer.src.ts) with the parts of
 * viem it uses into one script, as an action author would before uploading it:
 * actions run without imports (docs/actions.md §3.1). Deterministic for a given
 * esbuild and viem, so its CID is stable within one install.
 */
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

export async function buildEip1559Signer (): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./eip1559-signer.src.ts', import.meta.url))],
    bundle: true,
    // ESM output keeps the top-level await; the node runs the code inside an async function (actions.md §3.9).
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false
  })
  return out.outputFiles[0].text
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const code = await buildEip1559Signer()
  process.stdout.write(code)
}

// Lit Action source (bundled with viem by eip1559-build.ts): build an EIP-1559 transaction from jsParams,
// refuse a recipient outside `allow` or a value over `maxValueWei`, and sign its hash with the PKP.
// The client assembles the signed transaction with serializeTransaction(tx, signature).
// jsParams: { tx: { chainId, nonce, to, value, gas, maxFeePerGas, maxPriorityFeePerGas, data? } (numbers as decimal strings),
//             allow: string[], maxValueWei: string, publicKey, sigName }
import { keccak256, serializeTransaction, type TransactionSerializableEIP1559 } from 'viem'

declare const jsParams: {
  tx: Record<string, string | number | undefined>
  allow: string[]
  maxValueWei: string
  publicKey: string
  sigName: string
}
declare const Lit: { Actions: { signEcdsa: (a: { toSign: Uint8Array, publicKey: string, sigName: string }) => Promise<string>, setResponse: (a: { response: string }) => void } }

async function main (): Promise<void> {
  const { tx: t, allow, maxValueWei, publicKey, sigName } = jsParams
  const to = String(t.to).toLowerCase()
  if (!allow.map((a) => a.toLowerCase()).includes(to)) throw new Error(`recipient ${to} is not allowed`)
  const value = BigInt(t.value ?? 0)
  if (value > BigInt(maxValueWei)) throw new Error(`value ${value} is over the cap ${maxValueWei}`)
  const tx: TransactionSerializableEIP1559 = {
    type: 'eip1559',
    chainId: Number(t.chainId),
    nonce: Number(t.nonce),
    to: to as `0x${string}`,
    value,
    gas: BigInt(t.gas ?? 21000),
    maxFeePerGas: BigInt(t.maxFeePerGas ?? 0),
    maxPriorityFeePerGas: BigInt(t.maxPriorityFeePerGas ?? 0),
    ...(t.data !== undefined ? { data: t.data as `0x${string}` } : {})
  }
  const unsigned = serializeTransaction(tx)
  const hash = keccak256(unsigned)
  await Lit.Actions.signEcdsa({ toSign: hexBytes(hash), publicKey, sigName })
  Lit.Actions.setResponse({ response: JSON.stringify({ unsignedTransaction: unsigned, hash }) })
}

function hexBytes (hex: string): Uint8Array {
  const out = new Uint8Array((hex.length - 2) / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16)
  return out
}

await main()

/**
 * A browser wallet (EIP-1193 `window.ethereum`, e.g. MetaMask) as a viem
 * account the client SDK can use: SIWE messages go to `personal_sign`, registry
 * operations (EIP-712) to `eth_signTypedData_v4`. Optional: the dashboard offers
 * it only when the page has a provider, and asks for it only on a click.
 *
 * Wallets that insist the EIP-712 domain's chainId be their active chain
 * (MetaMask does) refuse registry operations: the registry's domain uses chain
 * id 4999508, which no wallet is on (docs/registry.md §4.2, §14). SIWE auth,
 * and so signing with PKPs it may use, works.
 */
import { getAddress, getTypesForEIP712Domain, isAddress, serializeTypedData, toHex, type Hex, type TypedDataDefinition } from 'viem'
import { toAccount, type LocalAccount } from 'viem/accounts'

export interface Eip1193Provider {
  request (args: { method: string, params?: unknown[] }): Promise<unknown>
}

/** The page's injected provider, if it has one. */
export function injectedProvider (): Eip1193Provider | undefined {
  const e = (globalThis as { ethereum?: Partial<Eip1193Provider> }).ethereum
  return typeof e?.request === 'function' ? e as Eip1193Provider : undefined
}

/** Ask the provider for its account (the wallet asks the user) and wrap it. */
export async function connectInjectedWallet (provider: Eip1193Provider): Promise<LocalAccount> {
  const accounts = await provider.request({ method: 'eth_requestAccounts' })
  const first = Array.isArray(accounts) ? accounts[0] : undefined
  if (typeof first !== 'string' || !isAddress(first, { strict: false })) throw new Error('the browser wallet returned no account')
  const address = getAddress(first)
  return toAccount({
    address,
    async signMessage ({ message }) {
      const data = typeof message === 'string' ? toHex(message) : typeof message.raw === 'string' ? message.raw : toHex(message.raw)
      return await provider.request({ method: 'personal_sign', params: [data, address] }) as Hex
    },
    async signTypedData (typedData) {
      const { domain, types, primaryType, message } = typedData as TypedDataDefinition
      const json = serializeTypedData({
        domain, primaryType, message, types: { EIP712Domain: getTypesForEIP712Domain({ domain }), ...types }
      } as unknown as TypedDataDefinition)
      return await provider.request({ method: 'eth_signTypedData_v4', params: [address, json] }) as Hex
    },
    async signTransaction () {
      throw new Error('the dashboard never signs transactions')
    }
  })
}

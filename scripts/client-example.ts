/**
 * The client SDK from a Node script, against a running testnet (`npm start`):
 * mint a PKP, sign a message and check it with viem, encrypt a text to this
 * account and decrypt it. Reaches the node tabs through the relay.
 *
 *   npx tsx scripts/client-example.ts --relay http://127.0.0.1:5173/relay.json [--nodes 3] [--timeout 120]
 *
 * Prints one line per step and exits 0 when every step worked.
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, recoverAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { connectNodeClient } from '../node-core/src/client/connect-node.js'
import { callerIs } from '../node-core/src/node/access-conditions.js'

function arg (name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}

const relayInfoUrl = arg('relay', process.env.RELAY_INFO_URL)
const minNodes = Number(arg('nodes', '3'))
const timeoutMs = Number(arg('timeout', '120')) * 1000
if (relayInfoUrl == null) {
  process.stderr.write('usage: tsx scripts/client-example.ts --relay http://127.0.0.1:<port>/relay.json [--nodes N] [--timeout S]\n')
  process.exit(2)
}

const say = (msg: string): void => { process.stdout.write(`${msg}\n`) }
const deadline = AbortSignal.timeout(timeoutMs)
const account = privateKeyToAccount(generatePrivateKey())
say(`account ${account.address}`)

const client = await connectNodeClient({ account, relayInfoUrl })
let failed = false
try {
  say(`client peer ${client.peerId}; waiting for ${minNodes} nodes…`)
  let info = await client.connect({ minNodes, timeoutMs, signal: deadline })
  say(`nodes online: ${info.nodes.length} (${info.nodes.map(n => n.peerId.slice(-6)).join(' ')})`)
  while (info.networkKey == null) {
    // Genesis runs once enough node tabs are up; poll until its key is vouched for.
    say(`genesis: ${info.genesis}; waiting for the network key…`)
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    if (deadline.aborted) throw new Error('no network key before the timeout')
    info = await client.getNetworkInfo({ signal: deadline })
  }
  say(`network key ${info.networkKey.publicKey.slice(0, 18)}… threshold ${info.networkKey.threshold}/${info.networkKey.members.length}`)

  let t = Date.now()
  const pkp = await client.mintPkp({
    signal: deadline,
    onProgress: (p) => { say(`  mint: ${p.phase} (${p.nodesDone}/${p.committeeSize})`) }
  })
  say(`minted ${pkp.ethAddress} (token ${pkp.tokenId.slice(0, 18)}…, committee ${pkp.committee.length}, 2t+1 = ${pkp.threshold}) in ${Date.now() - t} ms`)

  const toSign = keccak_256(new TextEncoder().encode('hello from a Node script'))
  for (let i = 0; i < 3; i++) {
    const sig = await client.pkpSign({ pubKey: pkp.publicKey, toSign, signal: deadline })
    const recovered = await recoverAddress({ hash: bytesToHex(toSign), signature: sig.signature })
    const ok = recovered === pkp.ethAddress
    failed ||= !ok
    say(`signature ${i + 1}: ${sig.signature.slice(0, 20)}… recid ${sig.recid}, ${sig.latencyMs} ms, recovers to the PKP: ${ok ? 'yes' : `NO (${recovered})`}${sig.faults.length > 0 ? `, faults: ${sig.faults.map(f => `${f.node.slice(-6)} ${f.reason}`).join('; ')}` : ''}`)
  }

  t = Date.now()
  const conditions = [callerIs(account.address)]
  const secret = `a secret for ${account.address} at ${new Date().toISOString()}`
  const enc = await client.encrypt({ accessControlConditions: conditions, dataToEncrypt: secret, signal: deadline })
  say(`encrypted ${secret.length} bytes (ciphertext ${enc.ciphertext.length} base64 chars)`)
  const dec = await client.decrypt({ ...enc, accessControlConditions: conditions, signal: deadline })
  const text = new TextDecoder().decode(dec.decryptedData)
  const same = text === secret
  failed ||= !same
  say(`decrypted in ${dec.latencyMs} ms: ${same ? 'matches' : 'DOES NOT MATCH'}`)
} catch (err) {
  failed = true
  const e = err as Error & { code?: string }
  say(`failed: ${e.name}${e.code != null ? ` ${e.code}` : ''}: ${e.message}`)
} finally {
  await client.close()
}
say(failed ? 'FAILED' : 'OK')
process.exit(failed ? 1 : 0)

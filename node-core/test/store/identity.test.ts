import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { seededRng } from '../../src/crypto/random.js'
import { loadOrCreatePeerKey, newPeerKey } from '../../src/net/identity.js'
import { MemoryIdentityStore } from '../../src/store/identity.js'

describe('node identity', () => {
  it('keeps one PeerId per slot and different ones across slots', async () => {
    const store = new MemoryIdentityStore()
    const a1 = peerIdFromPrivateKey(await loadOrCreatePeerKey(store, 'slot-a')).toString()
    const a2 = peerIdFromPrivateKey(await loadOrCreatePeerKey(store, 'slot-a')).toString()
    const b = peerIdFromPrivateKey(await loadOrCreatePeerKey(store, 'slot-b')).toString()
    expect(a2).toBe(a1)
    expect(b).not.toBe(a1)
    await store.delete('slot-a')
    expect(await store.get('slot-a')).toBeUndefined()
  })

  it('derives the key from the injected rng', async () => {
    const k1 = await newPeerKey(seededRng('7'))
    const k2 = await newPeerKey(seededRng('7'))
    expect(privateKeyToProtobuf(k1)).toEqual(privateKeyToProtobuf(k2))
  })

  it('refuses bad slot names', async () => {
    const store = new MemoryIdentityStore()
    for (const slot of ['', 'a/b', 'x'.repeat(65), 'a b']) {
      await expect(store.get(slot)).rejects.toMatchObject({ name: 'InvalidArgumentError', code: 'ERR_INVALID_ARGUMENT' })
    }
  })

  it('returns copies, so callers cannot change what is stored', async () => {
    const store = new MemoryIdentityStore()
    const bytes = new Uint8Array([1, 2, 3])
    await store.put('s', bytes)
    bytes[0] = 9
    const got = await store.get('s')
    got![1] = 9
    expect(await store.get('s')).toEqual(new Uint8Array([1, 2, 3]))
  })
})

/**
 * HeliaCodeStore on its IndexedDB storage (docs/actions.md §1.5), with
 * fake-indexeddb: code and pins survive closing and reopening the databases (a reload).
 */
import 'fake-indexeddb/auto'
import { identify } from '@libp2p/identify'
import { memory } from '@libp2p/memory'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { createLibp2p } from 'libp2p'
import { describe, expect, it } from 'vitest'
import { HeliaCodeStore } from '../../src/actions/code-store-helia.js'
import { openActionCodeStorage } from '../../src/actions/code-store-idb.js'

describe('HeliaCodeStore on IndexedDB', () => {
  it('keeps code and pins across a close and reopen of lit-actions/<nodeId>', async () => {
    const libp2p = await createLibp2p({
      addresses: { listen: [`/memory/${crypto.randomUUID()}`] },
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() }
    })
    try {
      const nodeId = `node-${crypto.randomUUID()}`
      let storage = await openActionCodeStorage(nodeId)
      let store = new HeliaCodeStore({ libp2p, ...storage })
      await store.start()
      const code = 'x'.repeat(300_000) // two leaves
      const { ipfsId } = await store.put(code)
      await store.stop()
      await storage.close()

      storage = await openActionCodeStorage(nodeId)
      store = new HeliaCodeStore({ libp2p, ...storage })
      await store.start()
      expect(store.retainedRoots()).toEqual([ipfsId])
      expect(await store.get(ipfsId, {})).toEqual({ code, source: 'cache' })
      await store.stop()
      await storage.close()

      // Another node's databases are separate.
      const other = await openActionCodeStorage(`node-${crypto.randomUUID()}`)
      const otherStore = new HeliaCodeStore({ libp2p, ...other })
      await otherStore.start()
      expect(await otherStore.has(ipfsId)).toBe(false)
      await otherStore.stop()
      await other.close()
    } finally {
      await libp2p.stop()
    }
  })
})

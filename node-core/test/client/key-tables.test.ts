/** KeyTables: one table build per key, off the request path; only tables equal to the key are used. */
import { describe, expect, it } from 'vitest'
import { Secp256k1 } from '../../src/crypto/group.js'
import { KeyTables } from '../../src/client/key-tables.js'

describe('KeyTables', () => {
  const key = (k: bigint): ReturnType<typeof Secp256k1.BASE.multiply> => Secp256k1.BASE.multiply(k)

  it('schedules one build per key, then hands out a table equal to the key', async () => {
    const queued: Array<() => void> = []
    const tables = new KeyTables((_tokenId, build) => { queued.push(build) })
    expect(tables.get('a', key(3n))).toBeUndefined()
    expect(tables.get('a', key(3n))).toBeUndefined() // still building: not scheduled twice
    expect(queued).toHaveLength(1)
    queued[0]()
    const table = tables.get('a', key(3n))
    expect(table?.equals(key(3n))).toBe(true)
    expect(table).not.toBe(key(3n)) // its own point object, which carries the table
    // The same token id with another key (never the case for a PKP): the table is not used.
    expect(tables.get('a', key(4n))).toBeUndefined()
  })

  it('keeps only the most recently used tables', async () => {
    const tables = new KeyTables((_tokenId, build) => { build() }, 2)
    for (const [id, k] of [['a', 1n], ['b', 2n]] as const) tables.get(id, key(k))
    expect(tables.get('a', key(1n))).toBeDefined() // a is now the most recent
    tables.get('c', key(3n))
    expect(tables.size).toBe(2)
    expect(tables.get('a', key(1n))).toBeDefined()
    expect(tables.get('c', key(3n))).toBeDefined()
    expect(tables.get('b', key(2n))).toBeUndefined() // dropped (asking again schedules a new build)
  })
})

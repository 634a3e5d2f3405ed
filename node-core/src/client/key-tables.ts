/**
 * Multiplication tables of the PKP keys this client signs with: with one, the
 * check of a combined signature costs two table multiplications instead of a
 * three-term MSM (combineSignatureShares' publicKeyTable; ~1.1 ms less per
 * signature in Node here). A table costs ~115 ms to build and ~0.4 MB to keep,
 * so it is built once per key, only when the client is idle (IdleWork.whenIdle),
 * and kept only for the last few keys used.
 */
import { Secp256k1, type SecpPoint } from '../crypto/group.js'

/** Tables kept at once (the least recently used is dropped). */
export const MAX_KEY_TABLES = 8
/** noble's window size for the table: 8 gives 33 additions per multiplication. */
const WINDOW = 8

export class KeyTables {
  private readonly tables = new Map<string, SecpPoint>()
  private readonly building = new Set<string>()

  /**
   * @param schedule runs the build later, or never (LitClient passes IdleWork.whenIdle: under
   *   steady load the table waits, the check stays the MSM, and no request waits ~115 ms for a build)
   */
  constructor (private readonly schedule: (tokenId: string, build: () => void) => void, private readonly max = MAX_KEY_TABLES) {}

  /** The table of `key` if built; otherwise undefined, and the build is scheduled once. */
  get (tokenId: string, key: SecpPoint): SecpPoint | undefined {
    const table = this.tables.get(tokenId)
    if (table !== undefined && table.equals(key)) {
      // Most recently used last.
      this.tables.delete(tokenId)
      this.tables.set(tokenId, table)
      return table
    }
    if (!this.building.has(tokenId)) {
      this.building.add(tokenId)
      this.schedule(tokenId, () => {
        try {
          this.build(tokenId, key)
        } finally {
          this.building.delete(tokenId)
        }
      })
    }
    return undefined
  }

  get size (): number { return this.tables.size }

  private build (tokenId: string, key: SecpPoint): void {
    // A point object of our own: noble keeps the table with the object it was made on.
    const point = Secp256k1.Point.fromAffine(key.toAffine())
    point.precompute(WINDOW, false)
    this.tables.delete(tokenId)
    this.tables.set(tokenId, point)
    while (this.tables.size > this.max) this.tables.delete(this.tables.keys().next().value!)
  }
}

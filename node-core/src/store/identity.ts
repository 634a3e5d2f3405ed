/**
 * Node identity storage: the libp2p private key of each node slot, so a reloaded
 * tab comes back with the same PeerId while two tabs (two slots) are two nodes.
 *
 * The stored bytes are the libp2p protobuf encoding of the private key. They are
 * the node's network identity only (no threshold key share lives here).
 */
import { InvalidArgumentError } from '../errors.js'

/** The narrow interface the node needs: one opaque blob per slot. */
export interface IdentityStore {
  get (slot: string): Promise<Uint8Array | undefined>
  put (slot: string, privateKey: Uint8Array): Promise<void>
  delete (slot: string): Promise<void>
}

/** Slots are short labels chosen by the page (URL ?node=<slot>). */
export function assertSlot (slot: string): void {
  if (typeof slot !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(slot)) {
    throw new InvalidArgumentError('slot', 'expected 1-64 characters of [A-Za-z0-9_-]')
  }
}

/** In-memory implementation, for unit tests and Node processes. */
export class MemoryIdentityStore implements IdentityStore {
  private readonly keys = new Map<string, Uint8Array>()

  async get (slot: string): Promise<Uint8Array | undefined> {
    assertSlot(slot)
    const key = this.keys.get(slot)
    return key == null ? undefined : key.slice()
  }

  async put (slot: string, privateKey: Uint8Array): Promise<void> {
    assertSlot(slot)
    this.keys.set(slot, privateKey.slice())
  }

  async delete (slot: string): Promise<void> {
    assertSlot(slot)
    this.keys.delete(slot)
  }
}

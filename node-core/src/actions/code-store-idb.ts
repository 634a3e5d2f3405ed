/**
 * The IndexedDB storage of a tab's HeliaCodeStore (docs/actions.md §1.5): blocks
 * in `lit-actions/<nodeId>` (blockstore-idb), pins in `lit-actions-pins/<nodeId>`
 * (datastore-idb), both apart from node state and never sealed (action code is
 * public). Kept out of code-store-helia.ts so Node tests never load IndexedDB code.
 */
import { IDBBlockstore } from 'blockstore-idb'
import { IDBDatastore } from 'datastore-idb'

export interface ActionCodeStorage {
  blockstore: IDBBlockstore
  datastore: IDBDatastore
  /** Close both databases (after the store has stopped). */
  close (): Promise<void>
}

/** Open (creating if needed) the two databases of node `nodeId`'s code store. */
export async function openActionCodeStorage (nodeId: string): Promise<ActionCodeStorage> {
  const blockstore = new IDBBlockstore(`lit-actions/${nodeId}`)
  const datastore = new IDBDatastore(`lit-actions-pins/${nodeId}`)
  await blockstore.open()
  try {
    await datastore.open()
  } catch (err) {
    await blockstore.close()
    throw err
  }
  return {
    blockstore,
    datastore,
    close: async () => { await Promise.all([blockstore.close(), datastore.close()]) }
  }
}

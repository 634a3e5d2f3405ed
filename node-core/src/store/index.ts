/**
 * Durable node state (docs/node-runtime.md §8): the NodeStore contract, its
 * in-memory and IndexedDB implementations, and sealing at rest.
 */
export {
  type NodeStore, type StoredNetworkKey, type PkpRecord, type PresignatureEntry, type TakenPresignature,
  StoreError, PresignatureUsedError, PresignatureNotFoundError, StorageUnavailableError
} from './node-store.js'
export { CorruptRecordError } from './node-store-codec.js'
export { MemoryNodeStore, MemoryNodeStorage, type MemoryNodeStoreOptions } from './node-store-memory.js'
export { IdbNodeStore, type IdbNodeStoreOptions, nodeStateDbName, NODE_STATE_DB_PREFIX, NODE_STATE_DB_VERSION } from './node-store-idb.js'
export { type SealedValue, SealedValueError, generateSealingKey, seal, open as openSealed, sealingAad } from './at-rest.js'
export {
  type RegistryStore, type CertificateRow, CertificateConflictError, MAX_CERTIFICATES_PER_READ
} from './registry-store.js'
export { MemoryRegistryStore, MemoryRegistryStorage } from './registry-store-memory.js'
export { IdbRegistryStore, type IdbRegistryStoreOptions, registryDbName, REGISTRY_DB_PREFIX, REGISTRY_DB_VERSION } from './registry-store-idb.js'

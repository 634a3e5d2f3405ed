/** Presign protocol (honest-majority threshold ECDSA). Spec: docs/ecdsa.md. */
export { PresignSession, type PresignSessionOptions } from './session.js'
export { runPresignInMemory, type RunPresignOptions } from './run.js'
export { type ThresholdEcdsaScheme, type CreatePresignSessionOptions, honestMajorityEcdsa } from './scheme.js'

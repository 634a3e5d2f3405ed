/** Client auth (docs/node-runtime.md §6): SIWE auth sigs and the node's verifier. */
export {
  type AuthSig, type CreateAuthSigOptions, type VerifyAuthSigOptions, type VerifiedAuth, type InvalidAuthSigReason,
  AuthError, InvalidAuthSigError, createAuthSig, verifyAuthSig, verifyAuthSigDetailed, checkAuthTimes, randomSiweNonce, domainAllowed, defaultAuthDomains,
  DEFAULT_AUTH_EXPIRATION_MS, MAX_AUTH_LIFETIME_MS, AUTH_CLOCK_SKEW_MS
} from './siwe.js'
export { AuthVerifier, type AuthVerifierOptions, AUTH_CACHE_ENTRIES } from './auth-verifier.js'

/**
 * The state transitions of the registry (spec: docs/registry.md §9.3). Members
 * check them before voting (§7.7) and apply repeats them, so an honest quorum
 * only certifies operations that apply.
 */
import { getAddress } from 'viem'
import { cidKey } from './cid.js'
import { MAX_PERMITTED_ACTIONS, MAX_PERMITTED_ADDRESSES } from './constants.js'
import { InvalidTransitionError } from './errors.js'
import type { ActionScope, CertifiedOperation, Operation, TokenState } from './types.js'

function refuse (op: Operation, reason: string): never {
  throw new InvalidTransitionError(op.tokenId, op.nonce, reason)
}

/** Throws InvalidTransitionError when `op` (a non-mint) does not apply to `state`. */
export function checkTransition (state: TokenState, op: Operation): void {
  switch (op.kind) {
    case 'mint':
      return refuse(op, 'the token is already minted')
    case 'transfer':
      if (getAddress(op.args.to) === state.owner) refuse(op, `${state.owner} already owns it`)
      return
    case 'addPermittedAddress': {
      const a = getAddress(op.args.address)
      if (state.permittedAddresses.has(a)) refuse(op, `${a} is already permitted`)
      if (state.permittedAddresses.size >= MAX_PERMITTED_ADDRESSES) refuse(op, `at most ${MAX_PERMITTED_ADDRESSES} permitted addresses`)
      return
    }
    case 'removePermittedAddress': {
      const a = getAddress(op.args.address)
      if (!state.permittedAddresses.has(a)) refuse(op, `${a} is not permitted`)
      return
    }
    case 'addPermittedAction': {
      const key = actionKey(op)
      if (state.permittedActions.has(key)) refuse(op, `action ${op.args.cid} is already permitted (remove it to change its scope)`)
      if (state.permittedActions.size >= MAX_PERMITTED_ACTIONS) refuse(op, `at most ${MAX_PERMITTED_ACTIONS} permitted actions`)
      return
    }
    case 'removePermittedAction':
      if (!state.permittedActions.has(actionKey(op))) refuse(op, `action ${op.args.cid} is not permitted`)
  }
}

function actionKey (op: Operation & { args: { cid: string } }): string {
  const key = cidKey(op.args.cid)
  if (key === undefined) refuse(op, `${op.args.cid} is not a valid CID`)
  return key
}

/** The state after `certified` (already checked to be next and authorised). Pure: returns a new frozen state. */
export function nextState (state: TokenState | undefined, certified: CertifiedOperation): TokenState {
  const op = certified.certificate.op
  if (op.kind === 'mint') {
    if (state !== undefined) refuse(op, 'the token is already minted')
    return freezeState({
      tokenId: op.tokenId,
      publicKey: op.args.publicKey,
      committee: certified.committee,
      owner: certified.signer,
      permittedAddresses: new Set(),
      permittedActions: new Map(),
      nonce: 1,
      history: [certified],
      mintedAt: op.issuedAt
    })
  }
  if (state === undefined) refuse(op, 'the token is not minted')
  checkTransition(state, op)
  let owner = state.owner
  let addresses = state.permittedAddresses
  let actions = state.permittedActions
  switch (op.kind) {
    case 'transfer': owner = getAddress(op.args.to); break
    case 'addPermittedAddress': addresses = new Set([...addresses, getAddress(op.args.address)]); break
    case 'removePermittedAddress': {
      const a = getAddress(op.args.address)
      addresses = new Set([...addresses].filter((x) => x !== a))
      break
    }
    case 'addPermittedAction': actions = new Map<string, ActionScope>([...actions, [actionKey(op), op.args.scope]]); break
    case 'removePermittedAction': {
      const key = actionKey(op)
      actions = new Map([...actions].filter(([k]) => k !== key))
      break
    }
  }
  return freezeState({ ...state, owner, permittedAddresses: addresses, permittedActions: actions, nonce: state.nonce + 1, history: [...state.history, certified] })
}

/** Sets and maps cannot be frozen: hand out read-only views that refuse mutation. */
function freezeState (s: TokenState): TokenState {
  return Object.freeze({
    ...s,
    permittedAddresses: readonlySet(s.permittedAddresses),
    permittedActions: readonlyMap(s.permittedActions),
    history: Object.freeze([...s.history])
  })
}

function readonlySet<T> (s: ReadonlySet<T>): ReadonlySet<T> {
  const copy = new Set(s)
  return Object.freeze({
    has: (v: T) => copy.has(v),
    get size () { return copy.size },
    forEach: (cb: (v: T, v2: T, set: ReadonlySet<T>) => void, thisArg?: unknown) => { copy.forEach((v) => cb.call(thisArg, v, v, copy)) },
    entries: () => copy.entries(),
    keys: () => copy.keys(),
    values: () => copy.values(),
    [Symbol.iterator]: () => copy[Symbol.iterator]()
  }) as ReadonlySet<T>
}

function readonlyMap<K, V> (m: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
  const copy = new Map(m)
  return Object.freeze({
    has: (k: K) => copy.has(k),
    get: (k: K) => copy.get(k),
    get size () { return copy.size },
    forEach: (cb: (v: V, k: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown) => { copy.forEach((v, k) => cb.call(thisArg, v, k, copy)) },
    entries: () => copy.entries(),
    keys: () => copy.keys(),
    values: () => copy.values(),
    [Symbol.iterator]: () => copy[Symbol.iterator]()
  }) as ReadonlyMap<K, V>
}

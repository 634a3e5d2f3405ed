/**
 * Which node slot this tab runs. The slot keys the node's identity in IndexedDB:
 * reload → same slot → same PeerId; two tabs → two slots → two nodes.
 * Order: URL ?node=<slot>, then this tab's sessionStorage, else a fresh slot.
 * A Web Lock per slot stops a duplicated tab from running the same identity.
 */
const SESSION_KEY = 'lit-node-slot'

export function freshSlot (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5))
  return 'n' + Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}

function wanted (): string {
  const fromUrl = new URLSearchParams(location.search).get('node')
  if (fromUrl != null && /^[A-Za-z0-9_-]{1,64}$/.test(fromUrl)) return fromUrl
  return sessionStorage.getItem(SESSION_KEY) ?? freshSlot()
}

/** Try to hold the slot's lock for the page's lifetime; false if another tab holds it. */
async function hold (slot: string): Promise<boolean> {
  if (navigator.locks == null) return true
  return await new Promise<boolean>((resolve) => {
    void navigator.locks.request(`lit-node-slot:${slot}`, { ifAvailable: true }, async (lock) => {
      resolve(lock != null)
      if (lock != null) await new Promise<never>(() => {})
    })
  })
}

export async function claimSlot (): Promise<string> {
  let slot = wanted()
  while (!(await hold(slot))) slot = freshSlot()
  sessionStorage.setItem(SESSION_KEY, slot)
  const url = new URL(location.href)
  if (url.searchParams.get('node') !== slot) {
    url.searchParams.set('node', slot)
    history.replaceState(null, '', url)
  }
  return slot
}

/* global Lit, likesUrl, postId, user, ts, publicKey, sigName -- an action sees Lit.Actions and each jsParams key as a global */
// Lit Action (the seed's likePost): sign a "like" for a post with the PKP, but only if this user
// has not liked it already. The likes so far come from the app's API (`likesUrl`, JSON list of users).
// The message carries `ts` from jsParams: a node-local Date.now() would make every node sign another message.
// jsParams: { likesUrl, postId, user, ts, publicKey, sigName }
if (!/^[A-Za-z0-9_-]{1,64}$/.test(postId)) throw new Error('postId must be 1-64 letters, digits, _ or -')
const res = await fetch(likesUrl, { headers: { accept: 'application/json' } })
if (!res.ok) throw new Error(`likes API answered ${res.status}`)
const likes = await res.json()
if (!Array.isArray(likes)) throw new Error('likes API sent no list')
if (likes.map((u) => String(u).toLowerCase()).includes(String(user).toLowerCase())) {
  Lit.Actions.setResponse({ response: JSON.stringify({ liked: false, reason: `${user} has already liked ${postId}` }) })
} else {
  const message = JSON.stringify({ action: 'like', postId, user, ts })
  await Lit.Actions.ethPersonalSignMessageEcdsa({ message, publicKey, sigName })
  Lit.Actions.setResponse({ response: JSON.stringify({ liked: true, message }) })
}

/* global Lit, priceUrl, maxPrice, toSign, publicKey, sigName -- an action sees Lit.Actions and each jsParams key as a global */
// Lit Action: sign `toSign` with the PKP only if the price served at `priceUrl` is below `maxPrice`.
// jsParams: { priceUrl, maxPrice, toSign (32 bytes), publicKey, sigName }
const res = await fetch(priceUrl, { headers: { accept: 'application/json' } })
if (!res.ok) throw new Error(`price feed answered ${res.status}`)
const { price } = await res.json()
if (typeof price !== 'number') throw new Error('price feed sent no number')
if (price < maxPrice) {
  await Lit.Actions.signEcdsa({ toSign, publicKey, sigName })
  Lit.Actions.setResponse({ response: JSON.stringify({ signed: true, price }) })
} else {
  Lit.Actions.setResponse({ response: JSON.stringify({ signed: false, price, reason: `price ${price} is not below ${maxPrice}` }) })
}

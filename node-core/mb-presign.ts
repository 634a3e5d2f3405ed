import { runPresignInMemory } from './src/protocols/presign/index.js'
import { dealKeyShares } from './src/crypto/key-share.js'
import { Secp256k1 } from './src/crypto/group.js'
const shares = dealKeyShares(Secp256k1, 2, [1,2,3,4,5,6,7])
for (let i = 0; i < 3; i++) await runPresignInMemory(shares)
const t = performance.now(); const c0 = process.cpuUsage()
for (let i = 0; i < 20; i++) await runPresignInMemory(shares)
const c = process.cpuUsage(c0)
console.log('per presign all 7 parties ms', (performance.now()-t)/20, 'cpu', (c.user+c.system)/1000/20, 'per party', (c.user+c.system)/1000/20/7)

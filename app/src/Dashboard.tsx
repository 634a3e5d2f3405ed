import { useMemo, useState, useSyncExternalStore } from 'react'
import type { PeerRuntime } from '../../node-core/src/browser.js'
import type { DashboardClient, MintedPkp } from './client-api.js'
import { ActionsPanel } from './ActionsPanel.js'
import { EncryptPanel } from './EncryptPanel.js'
import { LatencyLog } from './latency-log.js'
import { LatencyPlot } from './LatencyPlot.js'
import { MeshPanel } from './MeshPanel.js'
import { MintPanel } from './MintPanel.js'
import { NetworkKeyPanel } from './NetworkKeyPanel.js'
import { PkpRegistryPanel } from './PkpRegistryPanel.js'
import { PkpTable } from './PkpTable.js'
import { SignPanel } from './SignPanel.js'
import { usePolled } from './use-polled.js'
import { useWallet } from './use-wallet.js'
import type { WalletAccount } from './wallet.js'
import { WalletPanel } from './WalletPanel.js'

const INFO_POLL_MS = 2_000

/**
 * The dashboard: a client peer that draws the mesh and uses the network through
 * the client SDK only (mint, list, sign, encrypt, decrypt, the registry), as
 * the wallet's selected account.
 */
export function Dashboard ({ peer, client, accounts }: {
  peer: PeerRuntime
  client: DashboardClient
  /** The wallet's stored accounts and the selected one (the client was created with it). */
  accounts: { accounts: WalletAccount[], selected: WalletAccount }
}): React.JSX.Element {
  const wallet = useWallet(client, accounts)
  const address = wallet.selected.account.address
  const named = wallet.entries.map(e => ({ name: e.name, address: e.account.address }))
  const info = usePolled(async signal => await client.getNetworkInfo({ signal }), INFO_POLL_MS)
  const pkps = usePolled(async signal => await client.listPkps({ signal }), INFO_POLL_MS)
  const [chosen, setChosen] = useState<string | null>(null)
  const latency = useMemo(() => new LatencyLog(50), [])
  const samples = useSyncExternalStore(latency.subscribe, latency.snapshot)

  // The chosen PKP, else the newest one listed.
  const list = pkps.value ?? []
  const selected = list.find(p => p.tokenId === chosen) ?? [...list].sort((a, b) => b.mintedAt - a.mintedAt)[0] ?? null

  const onMinted = (pkp: MintedPkp): void => {
    setChosen(pkp.tokenId)
    pkps.refresh()
    info.refresh()
  }

  return (
    <main>
      <h1>Lit browser testnet</h1>
      <MeshPanel peer={peer} />
      <div className='columns'>
        <NetworkKeyPanel info={info.value} error={info.error} />
        <WalletPanel wallet={wallet} />
      </div>
      <MintPanel client={client} onMinted={onMinted} />
      <PkpTable pkps={pkps.value} selected={selected?.tokenId ?? null} onSelect={setChosen} error={pkps.error} />
      <PkpRegistryPanel client={client} pkp={selected} address={address} accounts={named} />
      <div className='columns'>
        <SignPanel client={client} pkp={selected} latency={latency} />
        <LatencyPlot samples={samples} capacity={latency.capacity} />
      </div>
      <EncryptPanel client={client} address={address} />
      <ActionsPanel client={client} pkp={selected} />
    </main>
  )
}

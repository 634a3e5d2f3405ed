/** The dashboard's account: the address that mints, signs requests and decrypts. */
export function WalletPanel ({ address }: { address: string }): React.JSX.Element {
  return (
    <section className='panel'>
      <h2>Wallet</h2>
      <p>
        Address <code data-testid='wallet-address'>{address}</code>
        <br /><span className='muted'>A local test account kept in this browser's IndexedDB; it proves who asks (SIWE) and owns what it mints.</span>
      </p>
    </section>
  )
}

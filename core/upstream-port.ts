/**
 * What the counter workflows need from the clearing host, as a small port the sync layer (or a
 * test) implements. Offline is a normal state: every method may answer null for "not
 * reachable now", and the workflows then queue the request instead of failing it.
 */
export interface UpstreamPort {
  /**
   * The balance the host confirms for a card that left circulation (reported lost, or too
   * damaged to read): the last balance it saw, adjusted by every transaction cleared after it.
   * null: the host cannot be asked now (offline) or has no answer yet.
   */
  lostCardBalance(asn: string): Promise<{ balanceFen: number } | null>;
}

/** No host: every question waits. */
export class OfflineUpstream implements UpstreamPort {
  async lostCardBalance(): Promise<{ balanceFen: number } | null> {
    return null;
  }
}

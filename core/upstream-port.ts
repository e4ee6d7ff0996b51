/**
 * What the counter workflows need from the clearing host, as a small port the sync layer (or a
 * test) implements. Offline is a normal state: every method may answer null for "not
 * reachable now", and the workflows then queue the request instead of failing it.
 */
import { UpstreamError } from '../common/upstream-client.ts';
import type { CardBalanceAnswer } from '../common/upstream-protocol.ts';

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

/** The part of common/upstream-client.ts's UpstreamClient this port needs. */
export interface CardBalanceSource {
  cardBalance(asn: string): Promise<CardBalanceAnswer>;
}

/**
 * The port over the clearing host's `GET /v1/cards/{asn}/balance`. A balance counts as
 * confirmed only once the host has the card blacklisted (the loss or damage report reached it,
 * so the card can no longer spend) and knows a balance for it; until then, and while the host
 * cannot be reached (a retryable UpstreamError), the answer is null and the request waits.
 * Other failures (bad configuration, protocol) are thrown: they need a person.
 */
export function upstreamFromClient(client: CardBalanceSource): UpstreamPort {
  return {
    async lostCardBalance(asn) {
      let answer: CardBalanceAnswer;
      try {
        answer = await client.cardBalance(asn);
      } catch (err) {
        if (err instanceof UpstreamError && err.retryable) return null;
        throw err;
      }
      if (!answer.blacklisted || answer.balanceFen === null) return null;
      return { balanceFen: answer.balanceFen };
    },
  };
}

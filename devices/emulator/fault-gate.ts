/**
 * The fault semantics of virtual-card.ts, in one place for every emulated ISO 14443-4 card.
 * A command handler splits its work into "compute the answer" (may touch volatile state only)
 * and an optional `commit` that applies every persistent change at once. The gate then decides,
 * per the armed fault, whether the commit runs and whether the answer arrives.
 */
import { BadInputError } from '../../common/errors.ts';
import type { CardAnswer, Fault } from './virtual-card.ts';

export interface CommandOutcome {
  response: Uint8Array;
  /** Applies all persistent changes of this command (balance, counters, log, proof, files). */
  commit?: () => void;
}

export class FaultGate {
  #armed: Fault | null = null;
  #seen = 0;

  arm(fault: Fault | null): void {
    if (fault !== null && (!Number.isInteger(fault.atApdu) || fault.atApdu < 0)) {
      throw new BadInputError(`fault atApdu must be a whole number >= 0, got ${fault.atApdu}`);
    }
    this.#armed = fault;
    this.#seen = 0;
  }

  get armed(): Fault | null {
    return this.#armed;
  }

  /**
   * Runs one APDU through the armed fault. `powerLoss` is called when the card loses power
   * (it clears volatile state).
   */
  run(handle: () => CommandOutcome, powerLoss: () => void): CardAnswer {
    const fault = this.#takeFiringFault();
    if (fault === null) {
      const outcome = handle();
      outcome.commit?.();
      return { response: outcome.response, removed: false };
    }
    switch (fault.kind) {
      case 'remove':
        powerLoss();
        return { response: null, removed: true };
      case 'garbage':
        return { response: Uint8Array.from(fault.garbage ?? new Uint8Array(0)), removed: false };
      case 'tear-before-commit':
        handle(); // computed, never committed
        powerLoss();
        return { response: null, removed: true };
      case 'tear-after-commit': {
        const outcome = handle();
        outcome.commit?.();
        powerLoss();
        return { response: null, removed: true };
      }
      case 'response-lost': {
        const outcome = handle();
        outcome.commit?.();
        return { response: null, removed: false };
      }
    }
  }

  #takeFiringFault(): Fault | null {
    const fault = this.#armed;
    if (fault === null) return null;
    if (this.#seen < fault.atApdu) {
      this.#seen++;
      return null;
    }
    this.#armed = null;
    this.#seen = 0;
    return fault;
  }
}

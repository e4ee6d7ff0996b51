/**
 * A failure the host answers with a status and a code of common/upstream-protocol.ts
 * UPSTREAM_ERROR_CODES; anything else becomes a 500 INTERNAL without its details.
 */
import type { ErrorAnswer } from '../common/upstream-protocol.ts';

type Code = ErrorAnswer['error']['code'];

export class HostError extends Error {
  readonly status: number;
  readonly code: Code;
  constructor(status: number, code: Code, message: string) {
    super(message);
    this.name = 'HostError';
    this.status = status;
    this.code = code;
  }
}

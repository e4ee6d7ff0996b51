/**
 * The UI server's training lab (common/api-lab.ts): the lab panel's requests go to the running
 * lab's control socket (core/lab/lab-control.ts), found through STATION_HOME/lab.json
 * (core/lab/lab-registry.ts) — or, when station serve runs its own in-process training readers
 * (no PC/SC here: core/lab/in-process-lab.ts), straight to those. The rule that matters is
 * here, in the core: a live station refuses every lab request, whatever the screen shows and whatever file lies in its home —
 * on a live station a virtual card must never appear on a reader the counter trusts.
 */
import type { Params } from '../../../common/api.ts';
import { StationError } from '../../../common/errors.ts';
import type { Actor } from '../../auth.ts';
import { answerLabRequest, labRequest, type LabSlots } from '../../lab/lab-control.ts';
import type { SimBackend } from '../../lab/sim-session.ts';
import { runningLab } from '../../lab/lab-registry.ts';
import type { Station } from '../../station.ts';

/** The lab's control socket, for a logged-in actor on a training station only. */
export function labControlFor(station: Pick<Station, 'config' | 'home'>): string {
  if (station.config.mode !== 'training') {
    throw new StationError('FORBIDDEN', 'The training lab is for training stations only', 'Use real cards on this live station');
  }
  const lab = runningLab(station.home);
  if (lab === null) throw new StationError('NO_READER', 'No training lab is running for this station', 'Start the station with npm start, which starts the training lab');
  return lab.control;
}

/** station serve's own lab (in-process training readers, core/lab/in-process-lab.ts), when it runs one. */
export interface LocalLab {
  backend: SimBackend;
  slots: LabSlots;
}

export function labHandlers<C>(deps: { station: Pick<Station, 'config' | 'home'>; actorOf: (conn: C) => Actor; local?: LocalLab | undefined }) {
  const { station, actorOf, local } = deps;
  const ask = async (conn: C, req: Record<string, unknown>) => {
    actorOf(conn);
    // The same rule for both labs: training stations only.
    if (local !== undefined && station.config.mode === 'training') return { slots: (await answerLabRequest(local.backend, local.slots, req)).slots };
    return { slots: await labRequest(labControlFor(station), req) };
  };
  return {
    labSlots: (_p: Params<'labSlots'>, conn: C) => ask(conn, { op: 'slots' }),
    labPlace: (p: Params<'labPlace'>, conn: C) => ask(conn, { op: 'place', slot: p.slot, preset: p.preset }),
    labRemove: (p: Params<'labRemove'>, conn: C) => ask(conn, { op: 'remove', slot: p.slot }),
  };
}

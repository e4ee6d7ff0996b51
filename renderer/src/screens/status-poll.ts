/**
 * A status bar item's data: asked for when the item becomes active, again every `everyMs`, and
 * at once whenever `tick` changes (e.g. the screen: the station may have moved on). Used by the
 * upload item (SyncStatus.tsx) and the receipt printer item (PrinterStatus.tsx).
 */
import { useEffect, useState } from 'react';
import type { Result, StationApi } from '../../../common/api.ts';

type Polled = 'syncStatus' | 'printerStatus';

export function usePolled<M extends Polled>(api: StationApi, method: M, active: boolean, tick: string | undefined, everyMs = 15_000): Result<M> | null {
  const [value, setValue] = useState<Result<M> | null>(null);
  useEffect(() => {
    if (!active) { setValue(null); return; }
    let stop = false;
    const poll = () => api.call(method, {} as never).then((r) => { if (!stop) setValue(r); }, () => undefined);
    void poll();
    const timer = setInterval(poll, everyMs);
    return () => { stop = true; clearInterval(timer); };
  }, [api, method, active, tick, everyMs]);
  return value;
}

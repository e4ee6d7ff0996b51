/**
 * Where the customer display goes: full screen on a second monitor when there is one (the
 * customer-facing screen of the counter), otherwise a small window on the counter's own screen
 * so the operator sees what the customer would see.
 */
import { counterWindowOptions } from './security.ts';

export interface DisplayInfo {
  id: number;
  bounds: { x: number; y: number; width: number; height: number };
}

export type CustomerPlacement =
  | { secondScreen: true; displayId: number; bounds: DisplayInfo['bounds']; fullscreen: true }
  | { secondScreen: false; displayId: number; bounds: DisplayInfo['bounds']; fullscreen: false };

export function customerPlacement(displays: readonly DisplayInfo[], primaryId: number): CustomerPlacement {
  const others = displays.filter((d) => d.id !== primaryId).sort((a, b) => a.bounds.x - b.bounds.x || a.bounds.y - b.bounds.y);
  const second = others[0];
  if (second) return { secondScreen: true, displayId: second.id, bounds: { ...second.bounds }, fullscreen: true };
  const primary = displays.find((d) => d.id === primaryId) ?? displays[0];
  const b = primary?.bounds ?? { x: 0, y: 0, width: 1366, height: 768 };
  const width = Math.min(640, b.width);
  const height = Math.min(400, b.height);
  return { secondScreen: false, displayId: primary?.id ?? primaryId, bounds: { x: b.x + b.width - width, y: b.y + b.height - height, width, height }, fullscreen: false };
}

/**
 * The customer window: the same locked-down webPreferences as the counter (context isolation,
 * sandbox, no Node, no devtools); main answers none of its calls and sends it only the
 * customer display's messages. Frameless and unfocusable on the customer's own screen.
 */
export function customerWindowOptions(preload: string, placement: CustomerPlacement) {
  const base = counterWindowOptions(preload, { title: '请核对金额', fullscreen: placement.fullscreen });
  return {
    ...base,
    ...placement.bounds,
    minWidth: 320,
    minHeight: 200,
    frame: !placement.secondScreen,
    focusable: !placement.secondScreen,
  };
}

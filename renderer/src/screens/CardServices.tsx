/**
 * 卡务办理 (home: F4): the card workflows' menu — F1 售卡, F2 退卡, F3 挂失, F4 补卡, F5 换卡,
 * F6 升级换卡, F7 年审, Esc home — and the one place App.tsx renders them from.
 */
import type { CardSlot, SessionDto, ShiftDto, StationApi } from '../../../common/api.ts';
import { FButton, useKeys } from '../ui.tsx';
import { ConcessionScreen } from './ConcessionScreen.tsx';
import { ExchangeScreen } from './ExchangeScreen.tsx';
import { IssueScreen } from './IssueScreen.tsx';
import { LostScreen } from './LostScreen.tsx';
import { MigrateScreen } from './MigrateScreen.tsx';
import { RefundScreen } from './RefundScreen.tsx';
import { ReplaceScreen } from './ReplaceScreen.tsx';
import { useWf, type WfKey } from './workflow-messages.ts';

export const WORKFLOW_SCREENS = ['cards', 'issue', 'refund', 'lost', 'replace', 'exchange', 'migrate', 'concession'] as const;
export type WorkflowScreen = (typeof WORKFLOW_SCREENS)[number];
export const isWorkflowScreen = (s: string): s is WorkflowScreen => (WORKFLOW_SCREENS as readonly string[]).includes(s);

const MENU: Array<{ key: string; screen: Exclude<WorkflowScreen, 'cards'>; label: WfKey }> = [
  { key: 'F1', screen: 'issue', label: 'issue' },
  { key: 'F2', screen: 'refund', label: 'refund' },
  { key: 'F3', screen: 'lost', label: 'lost' },
  { key: 'F4', screen: 'replace', label: 'replace' },
  { key: 'F5', screen: 'exchange', label: 'exchange' },
  { key: 'F6', screen: 'migrate', label: 'migrate' },
  { key: 'F7', screen: 'concession', label: 'concession' },
];

export function WorkflowScreens(props: {
  screen: WorkflowScreen;
  api: StationApi;
  slots: CardSlot[];
  readers: string[];
  shift: ShiftDto | null;
  user: SessionDto;
  onScreen: (s: WorkflowScreen | 'home') => void;
}) {
  const common = { api: props.api, slots: props.slots, readers: props.readers, shift: props.shift, user: props.user, onExit: () => props.onScreen('cards') };
  switch (props.screen) {
    case 'cards': return <CardServicesMenu onScreen={props.onScreen} />;
    case 'issue': return <IssueScreen {...common} />;
    case 'refund': return <RefundScreen {...common} />;
    case 'lost': return <LostScreen {...common} />;
    case 'replace': return <ReplaceScreen {...common} />;
    case 'exchange': return <ExchangeScreen {...common} />;
    case 'migrate': return <MigrateScreen {...common} />;
    case 'concession': return <ConcessionScreen {...common} />;
  }
}

function CardServicesMenu(props: { onScreen: (s: WorkflowScreen | 'home') => void }) {
  const { wt } = useWf();
  useKeys({ ...Object.fromEntries(MENU.map((m) => [m.key, () => props.onScreen(m.screen)])), Escape: () => props.onScreen('home') });
  return (
    <section className="screen home" data-testid="cards-menu">
      <h2>{wt('cardServices')}</h2>
      <div className="menu">
        {MENU.map((m) => <FButton key={m.screen} fkey={m.key} kind={m.screen === 'issue' ? 'primary' : 'plain'} onClick={() => props.onScreen(m.screen)} testId={`menu-${m.screen}`}>{wt(m.label)}</FButton>)}
        <FButton fkey="Esc" onClick={() => props.onScreen('home')}>{wt('back')}</FButton>
      </div>
      <div className="muted">{wt('cardServicesHint')}</div>
    </section>
  );
}

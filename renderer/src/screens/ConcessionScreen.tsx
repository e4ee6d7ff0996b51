/**
 * 年审 (issue 17, docs/COUNTER-RULES.md §2): the concession card on the reader — its type, its
 * verified-until date and state as the station reads them (concessionCheck: nothing changes) and the
 * date a 年审 today writes; the clerk types what eligibility proof was checked, confirms (the card
 * bound), and the done view shows the date read back from the card. Reached from 卡务办理 (F4 → F7)
 * and from the top-up's refusal of an overdue card (F7).
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { Result } from '../../../common/api.ts';
import { Field } from '../ui.tsx';
import { cardTypeName } from '../i18n.ts';
import { useWf } from './workflow-messages.ts';
import {
  bindingOf, CardLine, cards, ConfirmActions, DoneActions, FormActions, Frame, isInUseCpu, Problem, ReaderSlots, RefusalBox, Unknown, useFocus, useWorkflowScreen, type WorkflowProps,
} from './workflow-kit.tsx';

type Check = Result<'concessionCheck'>;

/** Dates on screen are China dates as the card holds them (YYYY-MM-DD), never an instant. */
function Line(props: { label: string; value: string; testId: string }) {
  return <div className="money-line"><span className="label">{props.label}</span><span className="mono" data-testid={props.testId}>{props.value}</span></div>;
}

export function ConcessionScreen(props: WorkflowProps) {
  const { wt, wf, send, policy } = useWorkflowScreen(props, 'concessionVerify');
  const { lang } = useWf();
  const [evidence, setEvidence] = useState('');
  const [check, setCheck] = useState<Check | null>(null);
  const [checkError, setCheckError] = useState<unknown>(null);
  const card = cards(props.slots).find((c) => isInUseCpu(c.view)) ?? null;
  const first = useFocus<HTMLInputElement>(wf.step === 'form');
  const cardKey = card === null ? null : `${card.reader}:${card.view.asn}:${card.view.verifiedUntil ?? ''}`;

  // The read step: what the card holds and what a 年审 today would write (a refusal says why not).
  useEffect(() => {
    setCheck(null);
    setCheckError(null);
    if (card === null || wf.step !== 'form') return;
    props.api.call('concessionCheck', { reader: card.reader }).then(setCheck, setCheckError);
  }, [cardKey, wf.step]);

  const check1 = (): string | null => {
    if (props.shift === null) return wt('needShiftHome');
    if (card === null) return wt('concessionNeedCard');
    const text = evidence.trim();
    if (text.length < 1 || text.length > 120 || /\d{6,}/.test(text)) return wt('concessionEvidenceMissing');
    return null;
  };
  const submit = (e: FormEvent) => { e.preventDefault(); if (check !== null) wf.toConfirm(check1, { card, newCard: null }); };
  const bound = wf.confirmed.card;
  const confirm = () => bound && send({ reader: bound.reader, confirmedCard: bindingOf(bound), evidence: evidence.trim() });
  const facts = (c: Check) => (
    <>
      <Line label={wt('concessionType')} value={cardTypeName(lang, c.cardType)} testId="concession-type" />
      <Line label={wt('concessionUntil')} value={`${c.verifiedUntil ?? wt('concessionNever')} · ${wt(`concessionState_${c.state}`)}`} testId="concession-until" />
      <Line label={wt('concessionNew')} value={c.newVerifiedUntil} testId="concession-new" />
    </>
  );

  return (
    <Frame title={wt('concessionTitle')} testId="concession-screen" step={wf.step} ready={policy !== null}>
      {(wf.step === 'form' || wf.step === 'confirm') && <ReaderSlots readers={props.readers} slots={props.slots} roles={card ? { [card.reader]: 'slotCard' } : {}} />}
      {wf.step === 'form' && (
        <form onSubmit={submit} className="form">
          {card !== null && check === null && checkError === null && <div className="muted">{wt('concessionChecking')}</div>}
          {checkError !== null && <RefusalBox error={checkError} title="concessionRefused" />}
          {check !== null && facts(check)}
          <Field label={wt('concessionEvidence')}>
            <input ref={first} data-testid="concession-evidence" autoComplete="off" maxLength={120} value={evidence} onChange={(e) => setEvidence(e.target.value)} />
          </Field>
          <div className="hint">{wt('concessionEvidenceHint')}</div>
          <Problem text={wf.problem} />
          <FormActions onCancel={props.onExit} />
        </form>
      )}
      {(wf.step === 'confirm' || wf.step === 'working') && bound && check !== null && (
        <div className="confirm" data-testid="wf-confirm">
          <CardLine label={wt('slotCard')} card={bound} testId="confirm-card" />
          {facts(check)}
          <Line label={wt('concessionEvidence')} value={evidence.trim()} testId="confirm-evidence" />
          <RefusalBox error={wf.error} title="concessionRefused" />
          <ConfirmActions working={wf.step === 'working'} onConfirm={confirm} onBack={() => wf.setStep('form')} />
        </div>
      )}
      {wf.step === 'unknown' && <Unknown error={wf.error} onExit={props.onExit} onAgain={wf.askAgain} api={props.api} slots={props.slots} expected={wf.confirmed} aborted="concessionAborted" />}
      {wf.step === 'done' && wf.result && (
        <div className="confirm done" data-testid="wf-done">
          <div className="confirm-title ok">{wt('concessionDone')}</div>
          <Line label={wt('slotCard')} value={wf.result.asn} testId="done-card" />
          <Line label={wt('concessionType')} value={cardTypeName(lang, wf.result.cardType)} testId="done-type" />
          <Line label={wt('concessionReadBack')} value={wf.result.verifiedUntil} testId="done-until" />
          <DoneActions onExit={props.onExit} />
        </div>
      )}
    </Frame>
  );
}

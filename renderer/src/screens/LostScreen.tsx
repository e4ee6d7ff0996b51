/** 挂失: a registered card, found by the holder's ID number (and its number when they hold several), blacklisted. */
import { useState, type FormEvent } from 'react';
import { Field, MoneyLine } from '../ui.tsx';
import {
  ASN_PATTERN, ConfirmActions, RefusalBox, DoneActions, FormActions, Frame, ID_PATTERN, maskId, PayConfirm, PayFields, payParams, payProblem, Problem,
  tenderedForCustomer, Unknown, useCustomerConfirm, useFocus, useWorkflowScreen, WorkflowReceipt, type WorkflowProps,
} from './workflow-kit.tsx';

export function LostScreen(props: WorkflowProps) {
  const { wt, policy, wf, pay, send } = useWorkflowScreen(props, 'lost');
  const [idNumber, setIdNumber] = useState('');
  const [card, setCard] = useState('');
  const first = useFocus<HTMLInputElement>(wf.step === 'form');
  const feeFen = policy?.lostReportFeeFen ?? 0;
  const id = idNumber.trim().toUpperCase();
  const asn = card.replace(/\s/g, '').toUpperCase();

  const check = (): string | null => {
    if (policy === null) return wt('policyLoading');
    if (!ID_PATTERN.test(id)) return wt('idInvalid');
    if (asn !== '' && !ASN_PATTERN.test(asn)) return wt('asnInvalid');
    if (feeFen > 0 && props.shift === null) return wt('needShiftHome');
    return payProblem(pay.state, feeFen, wt);
  };
  const submit = (e: FormEvent) => { e.preventDefault(); wf.toConfirm(check); };
  useCustomerConfirm(props.api, wf.step, feeFen > 0 ? { kind: 'lost', amountFen: feeFen, ...tenderedForCustomer(pay.state, feeFen), lines: [{ item: 'fee', fen: feeFen }] } : null);
  const confirm = () => send({ idNumber: id, ...(asn ? { card: asn } : {}), ...payParams(pay.state, feeFen) });

  return (
    <Frame title={wt('lostTitle')} testId="lost-screen" step={wf.step} ready={policy !== null}>
      {wf.step === 'form' && (
        <form onSubmit={submit} className="form">
          <div className="banner banner-info">{wt('lostWarn')}</div>
          <Field label={wt('idNumber')}><input ref={first} data-testid="lost-id" autoComplete="off" maxLength={18} value={idNumber} onChange={(e) => setIdNumber(e.target.value)} className="input-big" /></Field>
          <Field label={wt('cardNumber')}><input data-testid="lost-card" autoComplete="off" maxLength={19} value={card} onChange={(e) => setCard(e.target.value)} /></Field>
          {feeFen > 0 && <PayFields pay={pay} dueFen={feeFen} testPrefix="lost" />}
          <Problem text={wf.problem} />
          <FormActions onCancel={props.onExit} />
        </form>
      )}
      {(wf.step === 'confirm' || wf.step === 'working') && (
        <div className="confirm" data-testid="wf-confirm">
          <div className="confirm-title">{wt('checkDetails')}</div>
          <div className="money-line"><span className="label">{wt('idNumber')}</span><span className="mono">{maskId(id)}</span></div>
          {asn && <div className="money-line"><span className="label">{wt('oldCard')}</span><span className="mono">{asn}</span></div>}
          {feeFen > 0 && <PayConfirm pay={pay.state} dueFen={feeFen} />}
          <div className="banner banner-warn">{wt('lostWarn')}</div>
          <RefusalBox error={wf.error} title="lostRefused" />
          <ConfirmActions working={wf.step === 'working'} onConfirm={confirm} onBack={() => wf.setStep('form')} />
        </div>
      )}
      {wf.step === 'unknown' && <Unknown error={wf.error} onExit={props.onExit} onAgain={wf.askAgain} />}
      {wf.step === 'done' && wf.result && (
        <div className="confirm done" data-testid="wf-done">
          <div className="confirm-title ok">{wt('lostDone')}</div>
          <div className="money-line"><span className="label">{wt('oldCard')}</span><span className="mono" data-testid="done-card">{wf.result.asn}</span></div>
          <div className="money-line"><span className="label">{wt('holder')}</span><span>{wf.result.holderName ?? '—'} {wf.result.idNumberMasked ?? ''}</span></div>
          <div className="money-line"><span className="label">{wt('replacementFrom')}</span><span data-testid="done-replacement-from">{wf.result.replacementFrom}</span></div>
          {wf.result.feeFen > 0 && <MoneyLine label={wt('fee')} fen={wf.result.feeFen} />}
          {wf.result.feeFen > 0 && wf.result.pay === 'cash' && <MoneyLine label={wt('change')} fen={wf.result.changeFen} strong />}
          <WorkflowReceipt api={props.api} r={wf.result} entryId={wf.result.entryId} />
          <DoneActions onExit={props.onExit} />
        </div>
      )}
    </Frame>
  );
}

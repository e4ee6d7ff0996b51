/** 售卡: a stock CPU card activated, the deposit collected, optional registration and first load. */
import { useState, type FormEvent } from 'react';
import { parseYuanInput } from '../../../common/yuan-input.ts';
import { yuan } from '../money.ts';
import { amountProblem, cardTypeName } from '../i18n.ts';
import { useWf } from './workflow-messages.ts';
import { Field, MoneyLine } from '../ui.tsx';
import {
  bindingOf, CardLine, cards, ConfirmActions, RefusalBox, DoneActions, FormActions, Frame, ID_PATTERN, isStock, maskId, PayConfirm, PayFields, payParams, payProblem, Problem,
  ReaderSlots, tenderedForCustomer, Unknown, useCustomerConfirm, useFocus, useWorkflowScreen, WorkflowReceipt, type WorkflowProps,
} from './workflow-kit.tsx';

// eslint-disable-next-line max-lines-per-function -- one screen: its state, keys and layout read as one
export function IssueScreen(props: WorkflowProps) {
  const { wt, policy, wf, pay, send } = useWorkflowScreen(props, 'issue');
  const { lang } = useWf();
  const [loadText, setLoadText] = useState('');
  const [reg, setReg] = useState({ name: '', idNumber: '', phone: '' });
  // The product sold (issue 17): a concession card is registered, with what eligibility proof was checked.
  const [cardType, setCardType] = useState<'00' | '01' | '02' | '03'>('00');
  const [eligibility, setEligibility] = useState('');
  const first = useFocus<HTMLInputElement>(wf.step === 'form');

  const stock = cards(props.slots).find((c) => isStock(c.view)) ?? null;
  const loadFen = loadText.trim() === '' ? 0 : parseYuanInput(loadText);
  const depositFen = policy?.depositFen ?? 0;
  const dueFen = depositFen + (loadFen ?? 0);
  const registered = reg.name.trim() !== '' || reg.idNumber.trim() !== '';

  const check = (): string | null => {
    if (props.shift === null) return wt('needShiftHome');
    if (stock === null) return wt('needStock');
    if (policy === null) return wt('policyLoading');
    if (loadFen === null) return amountProblem(wt, loadText);
    if (loadFen > 0 && loadFen < policy.minTopupFen) return wt('loadMin', { min: yuan(policy.minTopupFen) });
    if (loadFen > policy.maxBalanceFen) return wt('loadMax', { max: yuan(policy.maxBalanceFen) });
    if (registered && (reg.name.trim() === '' || reg.idNumber.trim() === '')) return wt('nameNeeded');
    if (registered && !ID_PATTERN.test(reg.idNumber.trim())) return wt('idInvalid');
    if (cardType !== '00' && !registered) return wt('concessionNeedsRegistration');
    if (cardType !== '00' && (eligibility.trim() === '' || eligibility.trim().length > 120 || /\d{6,}/.test(eligibility))) return wt('concessionEvidenceMissing');
    if (registered && reg.phone.trim() !== '' && !/^1[3-9][0-9]{9}$/.test(reg.phone.replace(/[\s-]/g, ''))) return wt('phoneInvalid');
    return payProblem(pay.state, dueFen, wt);
  };
  const submit = (e: FormEvent) => { e.preventDefault(); wf.toConfirm(check, { card: stock, newCard: null }); };
  useCustomerConfirm(props.api, wf.step, stock && loadFen !== null ? {
    kind: 'issue', amountFen: dueFen, ...tenderedForCustomer(pay.state, dueFen),
    lines: [{ item: 'deposit', fen: depositFen }, ...(loadFen > 0 ? [{ item: 'firstLoad' as const, fen: loadFen }] : [])],
  } : null);
  const bound = wf.confirmed.card;
  const confirm = () => bound && send({
    reader: bound.reader, confirmedCard: bindingOf(bound),
    ...payParams(pay.state, dueFen),
    ...(loadFen ? { firstLoadFen: loadFen } : {}),
    registration: registered ? { name: reg.name.trim(), idNumber: reg.idNumber.trim().toUpperCase(), ...(reg.phone.trim() ? { phone: reg.phone.trim() } : {}) } : null,
    ...(cardType === '00' ? {} : { cardType, eligibility: eligibility.trim() }),
  });

  return (
    <Frame title={wt('issueTitle')} testId="issue-screen" step={wf.step} ready={policy !== null}>
      {(wf.step === 'form' || wf.step === 'confirm') && <ReaderSlots readers={props.readers} slots={props.slots} roles={stock ? { [stock.reader]: 'slotNew' } : {}} />}
      {wf.step === 'form' && (
        <form onSubmit={submit} className="form">
          {policy && <div className="money-line"><span className="label">{wt('deposit')}</span><span className="money">{yuan(policy.depositFen)}</span></div>}
          <Field label={wt('firstLoad')}>
            <input ref={first} data-testid="issue-load" inputMode="decimal" autoComplete="off" value={loadText} onChange={(e) => setLoadText(e.target.value)} className="input-big" />
          </Field>
          <PayFields pay={pay} dueFen={dueFen} testPrefix="issue" />
          <Field label={wt('concessionType')}>
            <select data-testid="issue-card-type" value={cardType} onChange={(e) => setCardType(e.target.value as typeof cardType)}>
              {(['00', '01', '02', '03'] as const).map((c) => <option key={c} value={c}>{cardTypeName(lang, c)}</option>)}
            </select>
          </Field>
          {cardType !== '00' && (
            <Field label={wt('concessionEvidence')}>
              <input data-testid="issue-eligibility" autoComplete="off" maxLength={120} value={eligibility} onChange={(e) => setEligibility(e.target.value)} />
            </Field>
          )}
          <fieldset className="wf-group">
            <legend>{wt('registration')}</legend>
            <Field label={wt('holderName')}><input data-testid="issue-name" autoComplete="off" maxLength={20} value={reg.name} onChange={(e) => setReg({ ...reg, name: e.target.value })} /></Field>
            <Field label={wt('idNumber')}><input data-testid="issue-id" autoComplete="off" maxLength={18} value={reg.idNumber} onChange={(e) => setReg({ ...reg, idNumber: e.target.value })} /></Field>
            <Field label={wt('phone')}><input data-testid="issue-phone" autoComplete="off" inputMode="tel" maxLength={13} value={reg.phone} onChange={(e) => setReg({ ...reg, phone: e.target.value })} /></Field>
          </fieldset>
          <Problem text={wf.problem} />
          <FormActions onCancel={props.onExit} />
        </form>
      )}
      {(wf.step === 'confirm' || wf.step === 'working') && bound && (
        <div className="confirm" data-testid="wf-confirm">
          <div className="confirm-title">{wt('checkAmount')}</div>
          <CardLine label={wt('newCard')} card={bound} testId="confirm-card" />
          <div className="money-line"><span className="label">{wt('concessionType')}</span><span data-testid="confirm-card-type">{cardTypeName(lang, cardType)}</span></div>
          <div className="money-line"><span className="label">{wt('registration').replace(/（.*）| \(.*\)/, '')}</span>
            <span data-testid="confirm-registration">{registered ? `${reg.name.trim()} · ${maskId(reg.idNumber.trim().toUpperCase())}` : wt('anonymous')}</span></div>
          <MoneyLine label={wt('deposit')} fen={depositFen} />
          {(loadFen ?? 0) > 0 && <MoneyLine label={wt('firstLoadShort')} fen={loadFen!} />}
          <PayConfirm pay={pay.state} dueFen={dueFen} />
          <RefusalBox error={wf.error} title="issueRefused" />
          <ConfirmActions working={wf.step === 'working'} onConfirm={confirm} onBack={() => wf.setStep('form')} />
        </div>
      )}
      {wf.step === 'unknown' && <Unknown error={wf.error} onExit={props.onExit} onAgain={wf.askAgain} api={props.api} slots={props.slots} expected={wf.confirmed} />}
      {wf.step === 'done' && wf.result && (
        <div className="confirm done" data-testid="wf-done">
          <div className="confirm-title ok">{wt('issueDone')}</div>
          <div className="money-line"><span className="label">{wt('newCard')}</span><span className="mono" data-testid="done-card">{wf.result.asn}</span></div>
          <div className="money-line"><span className="label">{wt('issueDate')}</span><span>{wf.result.issueDate}</span></div>
          <div className="money-line"><span className="label">{wt('registration').replace(/（.*）| \(.*\)/, '')}</span>
            <span>{wf.result.registered ? `${wf.result.holderName ?? ''} ${wf.result.idNumberMasked ?? ''} ${wf.result.phoneMasked ?? ''}` : wt('anonymous')}</span></div>
          <MoneyLine label={wt('deposit')} fen={wf.result.depositFen} />
          {wf.result.firstLoad && <MoneyLine label={wt('cardBalance')} fen={wf.result.firstLoad.balanceAfterFen} strong testId="done-balance" />}
          <MoneyLine label={wt('totalDue')} fen={wf.result.totalFen} />
          {wf.result.pay === 'cash' && <MoneyLine label={wt('change')} fen={wf.result.changeFen} strong testId="done-change" />}
          <WorkflowReceipt api={props.api} r={wf.result} entryId={wf.result.entryId} />
          <DoneActions onExit={props.onExit} />
        </div>
      )}
    </Frame>
  );
}

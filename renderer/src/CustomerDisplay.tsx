/**
 * The customer display (客显): what the customer sees on the second screen — the amount of the
 * transaction, the card's balance, 请核对金额. Read-only: it only listens to its feed.
 */
import { useEffect, useState } from 'react';
import type { CustomerDisplay, CustomerLine } from '../../common/api-customer.ts';
import type { CustomerFeed } from './ipc-bridge.ts';
import { capitals, yuan } from './money.ts';
import './customer.css';

const KIND: Record<string, [string, string]> = {
  topup: ['充值', 'Top-up'],
  issue: ['售卡', 'Card sale'],
  refund: ['退卡', 'Card refund'],
  lost: ['挂失', 'Lost card report'],
  replace: ['补卡', 'Replacement'],
  exchange: ['换卡', 'Card exchange'],
  migrate: ['升级换卡', 'Card upgrade'],
};

/** The parts of an amount to confirm (common/api-customer.ts CUSTOMER_ITEMS), both languages. */
const ITEM: Record<CustomerLine['item'], string> = {
  deposit: '押金 Deposit',
  firstLoad: '首次充值 First load',
  fee: '手续费 Fee',
  balance: '卡内余额 Card balance',
  balanceMoved: '转入新卡余额 Balance moved to the new card',
  depositCarried: '押金转入新卡 Deposit added to the new card',
  depositRefunded: '退还押金 Deposit refunded',
  depositCharged: '新卡押金 New card deposit',
};
/** Transactions whose amount goes to the customer (the label says so). */
const PAID_OUT = new Set(['refund']);

export function CustomerDisplayView(props: { feed: CustomerFeed }) {
  const [display, setDisplay] = useState<CustomerDisplay>({ state: 'idle' });
  useEffect(() => props.feed(setDisplay), [props.feed]);
  return (
    <div className="customer" data-testid="customer-display" data-state={display.state}>
      {display.state === 'idle' && (
        <div className="customer-idle">
          <div className="customer-title">城市一卡通</div>
          <div className="customer-sub">欢迎光临 · Welcome</div>
        </div>
      )}
      {display.state === 'card' && (
        <div className="customer-card">
          {display.cardNo && <div className="customer-line">卡号 Card <span className="customer-figure">{display.cardNo}</span></div>}
          <div className="customer-label">卡内余额 Balance</div>
          <div className="customer-amount" data-testid="customer-balance">{display.balanceFen === null ? '—' : yuan(display.balanceFen)}</div>
        </div>
      )}
      {display.state === 'confirm' && (
        <div className="customer-done">
          <div className="customer-kind">{KIND[display.kind]?.[0] ?? display.kind} {KIND[display.kind]?.[1] ?? ''}</div>
          {display.lines && display.lines.length > 0 && (
            <div className="customer-lines" data-testid="customer-lines">
              {display.lines.map((l) => <div key={l.item} className="customer-line" data-item={l.item}>{ITEM[l.item]} <span className="customer-figure">{yuan(l.fen)}</span></div>)}
            </div>
          )}
          <div className="customer-label">{PAID_OUT.has(display.kind) ? '应退金额 Amount paid to you' : '应付金额 Amount to pay'}</div>
          <div className="customer-amount" data-testid="customer-amount">{yuan(display.amountFen)}</div>
          <div className="customer-capitals">{capitals(display.amountFen)}</div>
          {display.tenderedFen !== null && display.tenderedFen > 0 && (
            <div className="customer-line">实收 Received {yuan(display.tenderedFen)} · 找零 Change <span data-testid="customer-change">{yuan(display.changeFen ?? 0)}</span></div>
          )}
          {display.balanceFen !== null && <div className="customer-line">当前余额 Balance now <span className="customer-figure">{yuan(display.balanceFen)}</span></div>}
          <div className="customer-check">请核对金额 · Please check the amount</div>
        </div>
      )}
      {display.state === 'done' && (
        <div className="customer-done">
          <div className="customer-kind">{KIND[display.kind]?.[0] ?? display.kind} {KIND[display.kind]?.[1] ?? ''}</div>
          <div className="customer-label">金额 Amount</div>
          <div className="customer-amount" data-testid="customer-amount">{yuan(display.amountFen)}</div>
          <div className="customer-capitals">{capitals(display.amountFen)}</div>
          {display.tenderedFen !== null && display.tenderedFen > 0 && (
            <div className="customer-line">实收 Received {yuan(display.tenderedFen)} · 找零 Change <span data-testid="customer-change">{yuan(display.changeFen ?? 0)}</span></div>
          )}
          {display.balanceFen !== null && <div className="customer-line">余额 Balance <span className="customer-figure" data-testid="customer-balance">{yuan(display.balanceFen)}</span></div>}
          <div className="customer-check">请核对金额 · Please check the amount</div>
        </div>
      )}
    </div>
  );
}

/** Simplified Chinese first; English switchable (F8). One dictionary, keys are the Chinese texts' ids. */
import { createContext, useContext } from 'react';
import { yuanInputProblem } from '../../common/yuan-input.ts';

export type Lang = 'zh' | 'en';

const zh = {
  appTitle: '城市一卡通 柜台',
  training: '培训模式',
  live: '正式运行',
  login: '登录',
  unlock: '解锁',
  locked: '已锁屏',
  lockedBy: '已锁屏，请 {name} 输入密码解锁',
  staffId: '工号',
  pin: '密码',
  loginHint: '输入工号和密码，按 Enter 登录',
  topup: '充值',
  cardServices: '卡务办理',
  shift: '交班',
  doctor: '自检',
  lock: '锁屏',
  logout: '退出',
  language: 'English',
  cancel: '取消',
  confirm: '确认',
  back: '返回',
  done: '完成',
  next: '下一步',
  placeCard: '请将卡片放在读卡器上',
  noCard: '无卡',
  cardPanel: '卡片信息',
  kind_cpu: 'CPU 卡',
  kind_m1: 'M1 卡（旧卡）',
  kind_tunion: '交通联合卡',
  tunionNote: '交通联合卡：本柜台不办理城市一卡通业务，请到交通联合服务网点',
  tunionOf: '交通联合 · {city}',
  tunionCityUnknown: '发卡城市未知（代码 {code}）',
  tunionNoCityFile: '卡内无管理信息文件，发卡城市未知',
  province: '省份',
  tunionLocalOnly: '仅限本地使用（非互通卡）',
  dualCard: '双应用卡：城市一卡通 + 交通联合',
  balanceCu: '城市一卡通余额',
  balanceTu: '交通联合余额',
  topupLoadsCu: '本柜台充值存入城市一卡通钱包',
  topupNotTu: '交通联合钱包请到交通联合服务网点充值',
  loadsInto: '存入',
  purseCu: '城市一卡通钱包',
  tunionPurseUnchanged: '交通联合钱包 {amount} 不变',
  otherCity: '异地卡',
  otherCityNote: '异地卡：可查询；充值需清分中心授权',
  cardNo: '卡号',
  city: '发卡城市',
  status: '状态',
  balance: '余额',
  deposit: '押金',
  depositByPolicy: '（本站无登记，按规定押金）',
  refundedPaidOut: '已退卡：余额和押金已退还顾客',
  chipShows: '卡内记录',
  expiry: '有效期',
  cardType: '卡类型',
  log: '最近交易',
  logAt: '时间',
  logType: '类型',
  logAmount: '金额',
  logTerminal: '终端',
  noLog: '无交易记录',
  incomplete: '该卡有未完成的交易（{what}）。请保持卡片在读卡器上，系统会自动处理；如仍存在，请运行自检（F6）或联系值班长。',
  settled: '已自动处理该卡之前未完成的交易：{what}',
  flag_enabled: '正常',
  'flag_not-enabled': '未启用',
  flag_blocked: '已锁定',
  flag_blacklisted: '黑名单',
  flag_expired: '已过期',
  flag_lost: '已挂失',
  flag_refunded: '已退卡',
  flag_migrated: '已升级换卡',
  'flag_in-progress': '交易未完成',
  topupTitle: '充值',
  amount: '充值金额（元）',
  payment: '支付方式',
  cash: '现金',
  other: '其他支付',
  tendered: '实收现金（元）',
  reference: '支付凭证号',
  change: '找零',
  balanceAfter: '充值后余额',
  balanceBefore: '充值前余额',
  checkAmount: '请核对金额',
  topupWorking: '正在充值，请勿移动卡片…',
  topupDone: '充值成功',
  topupUnknown: '充值结果未确认',
  topupUnknownNext: '请勿重复充值。请将同一张卡重新放到读卡器上：系统会自动确认（已入账）或撤销这笔交易，并在本屏幕显示结果；显示“已撤销”时，请将收取的款项退还顾客。',
  topupRefused: '未充值，未收款',
  topupCheckCard: '请勿重复充值。请在首页按 F7“查询/重印”按卡号核对这笔充值是否已入账；卡上如有未完成的交易，放回卡片时系统会自动处理，并在卡片信息中显示结果。',
  topupAnswerLost: '充值请求已发出，但与柜台服务的连接中断，没有收到结果。请勿重复充值：连接恢复后按 F5 查询这笔充值的结果（仍是同一笔请求，不会重复充值）；也可在首页按 F7“查询/重印”按卡号核对。',
  askAgain: '查询结果',
  wfRefused: '未办理，未收款',
  settledRecorded: '已入账：这笔交易已完成',
  settledAborted: '已撤销：卡上没有变化。请将收取的款项退还顾客',
  settleWaiting: '等待放回同一张卡（卡号 {card}）…',
  notTheCard: '这不是本笔交易的卡（卡号 {found}）：请放上卡号 {card} 的卡',
  unexpectedError: '界面出现意外错误',
  unexpectedErrorNext: '请按 Esc 返回后重试；如再次出现，请运行自检（F6）并联系技术支持',
  entryId: '流水号',
  amountInvalid: '请输入金额，例如 50 或 50.50',
  amountDecimals: '金额最多两位小数（精确到分），例如 50.50',
  amountNegative: '金额不能是负数',
  amountTooLarge: '金额过大，请核对',
  amountFormat: '金额只能是数字和小数点，例如 50 或 50.50（可带 ¥ 或“元”，全角数字也可以）',
  amountMin: '充值金额至少 {min}',
  amountMax: '充值后余额不能超过 {max}',
  tenderedShort: '实收现金少于充值金额',
  referenceNeeded: '请输入支付凭证号',
  needCard: '请先放卡',
  needShift: '尚未开班，请先开班（F3）',
  shiftTitle: '开班 / 交班',
  shiftOpenTitle: '开班',
  float: '备用金（元）',
  shiftOpened: '已开班',
  shiftNone: '未开班',
  openedAt: '开班时间',
  expected: '应有现金',
  counted: '清点现金',
  difference: '差额',
  denomination: '面额',
  pieces: '张/枚',
  subtotal: '小计',
  supervisorNeeded: '现金有差额，需另一位值班长签认（不能是本班柜员本人）',
  supervisorMissing: '请值班长输入工号和密码，再按 Enter 确认',
  cashOver: '长款',
  cashShort: '短款',
  cashBalanced: '相符',
  supervisorId: '值班长工号',
  supervisorPin: '值班长密码',
  shiftClosed: '已交班',
  shiftCloseTitle: '交班（清点现金）',
  reader: '读卡器',
  pcsc: '读卡服务',
  up: '正常',
  down: '中断',
  operator: '柜员',
  connection: '连接',
  connLost: '与柜台服务的连接中断，正在重连…',
  connFirst: '正在连接柜台服务…',
  doctorTitle: '系统自检',
  check_ok: '正常',
  check_warn: '注意',
  check_fail: '故障',
  hintLabel: '下一步',
  cardsConfirmedFound: '确认的卡：{confirmed}；读卡器上的卡：{found}',
  role_operator: '柜员',
  role_supervisor: '值班长',
  role_admin: '管理员',
  yes: '是',
  fkeys: 'F 键：见按钮；Enter 确认；Esc 取消',
  searchReprint: '查询/重印',
  dayEnd: '日结',
  technical: '技术信息（供技术支持）',
  statusShift: '已开班 · 应有现金 {cash}',
};

export type MsgKey = keyof typeof zh;

const en: Record<MsgKey, string> = {
  appTitle: 'City Union Counter',
  training: 'TRAINING',
  live: 'Live',
  login: 'Log in',
  unlock: 'Unlock',
  locked: 'Locked',
  lockedBy: 'Locked — {name}, enter your PIN to unlock',
  staffId: 'Staff ID',
  pin: 'PIN',
  loginHint: 'Enter staff ID and PIN, then Enter',
  topup: 'Top up',
  cardServices: 'Card services',
  shift: 'Shift',
  doctor: 'Check',
  lock: 'Lock',
  logout: 'Log out',
  language: '中文',
  cancel: 'Cancel',
  confirm: 'Confirm',
  back: 'Back',
  done: 'Done',
  next: 'Next',
  placeCard: 'Place a card on the reader',
  noCard: 'No card',
  cardPanel: 'Card',
  kind_cpu: 'CPU card',
  kind_m1: 'M1 card (legacy)',
  kind_tunion: 'T-Union card',
  tunionNote: 'T-Union card: not served at City Union counters; send the customer to a T-Union service point',
  tunionOf: 'T-Union · {city}',
  tunionCityUnknown: 'issuing city not known (code {code})',
  tunionNoCityFile: 'the card has no management file: issuing city not known',
  province: 'Province',
  tunionLocalOnly: 'local use only (not interoperable)',
  dualCard: 'Dual card: City Union + T-Union',
  balanceCu: 'City Union balance',
  balanceTu: 'T-Union balance',
  topupLoadsCu: 'Top-ups at this counter load the City Union purse',
  topupNotTu: 'The T-Union purse is loaded at T-Union service points',
  loadsInto: 'Loads into',
  purseCu: 'City Union purse',
  tunionPurseUnchanged: 'T-Union purse {amount} unchanged',
  otherCity: 'Other city',
  otherCityNote: 'Other member city: can be read; loading needs the clearing host',
  cardNo: 'Card no.',
  city: 'Issuer',
  status: 'Status',
  balance: 'Balance',
  deposit: 'Deposit',
  depositByPolicy: '(no record here: the standard deposit)',
  refundedPaidOut: 'Refunded: balance and deposit paid back to the customer',
  chipShows: 'the chip still shows',
  expiry: 'Expires',
  cardType: 'Card type',
  log: 'Recent transactions',
  logAt: 'Time',
  logType: 'Type',
  logAmount: 'Amount',
  logTerminal: 'Terminal',
  noLog: 'No transactions',
  incomplete: 'This card has an incomplete transaction ({what}). Keep the card on the reader; the station settles it. If it stays, run the check (F6) or call the supervisor.',
  settled: 'Settled an earlier incomplete transaction: {what}',
  flag_enabled: 'OK',
  'flag_not-enabled': 'Not activated',
  flag_blocked: 'Blocked',
  flag_blacklisted: 'Blacklisted',
  flag_expired: 'Expired',
  flag_lost: 'Reported lost',
  flag_refunded: 'Refunded',
  flag_migrated: 'Upgraded',
  'flag_in-progress': 'Incomplete',
  topupTitle: 'Top-up',
  amount: 'Amount (yuan)',
  payment: 'Payment',
  cash: 'Cash',
  other: 'Other',
  tendered: 'Cash tendered (yuan)',
  reference: 'Payment reference',
  change: 'Change',
  balanceAfter: 'Balance after',
  balanceBefore: 'Balance before',
  checkAmount: 'Please check the amount',
  topupWorking: 'Loading — keep the card still…',
  topupDone: 'Top-up done',
  topupUnknown: 'Top-up not confirmed',
  topupUnknownNext: 'Do not load again. Place the same card on the reader again: the station confirms (recorded) or cancels this transaction by itself and shows the outcome on this screen; if it says cancelled, give the customer the money back.',
  topupRefused: 'Not loaded, nothing charged',
  topupCheckCard: 'Do not load again. Look the card up with F7 "Search / reprint" on the start screen to see whether the top-up was recorded; if the card has an unfinished transaction, placing it settles it and the card panel shows the outcome.',
  topupAnswerLost: 'The top-up was sent, but the connection to the station dropped before its answer. Do not load again: once reconnected, press F5 to ask for this top-up\'s result (the same request: it cannot load twice), or look the card up with F7 "Search / reprint" on the start screen.',
  askAgain: 'Ask for the result',
  wfRefused: 'Not done, nothing charged',
  settledRecorded: 'Recorded: the transaction went through',
  settledAborted: 'Cancelled: the card did not change. Give the customer the money back',
  settleWaiting: 'Waiting for the same card ({card}) …',
  notTheCard: 'That is not the card of this transaction ({found}): place card {card}',
  unexpectedError: 'Unexpected error on the screen',
  unexpectedErrorNext: 'Press Esc and try again; if it happens again, run the station check (F6) and call support',
  entryId: 'Entry',
  amountInvalid: 'Enter an amount, e.g. 50 or 50.50',
  amountDecimals: 'At most two decimals (fen), e.g. 50.50',
  amountNegative: 'An amount cannot be negative',
  amountTooLarge: 'That amount is too large: check it',
  amountFormat: 'An amount is digits and a decimal point, e.g. 50 or 50.50 (¥ or 元 and full-width digits are fine)',
  amountMin: 'At least {min}',
  amountMax: 'The balance may not exceed {max}',
  tenderedShort: 'Cash tendered is less than the amount',
  referenceNeeded: 'Enter the payment reference',
  needCard: 'Place the card first',
  needShift: 'No shift open: open one first (F3)',
  shiftTitle: 'Shift',
  shiftOpenTitle: 'Open shift',
  float: 'Float (yuan)',
  shiftOpened: 'Shift open',
  shiftNone: 'No shift',
  openedAt: 'Opened',
  expected: 'Expected cash',
  counted: 'Counted cash',
  difference: 'Difference',
  denomination: 'Denomination',
  pieces: 'Pieces',
  subtotal: 'Subtotal',
  supervisorNeeded: 'The drawer differs: another supervisor signs it off (not the clerk of this shift)',
  supervisorMissing: 'The supervisor types their ID and PIN, then Enter confirms',
  cashOver: 'over',
  cashShort: 'short',
  cashBalanced: 'balanced',
  supervisorId: 'Supervisor ID',
  supervisorPin: 'Supervisor PIN',
  shiftClosed: 'Shift closed',
  shiftCloseTitle: 'Close shift (count the drawer)',
  reader: 'Reader',
  pcsc: 'PC/SC',
  up: 'up',
  down: 'down',
  operator: 'Operator',
  connection: 'Connection',
  connLost: 'Connection to the station lost, reconnecting…',
  connFirst: 'Connecting to the station…',
  doctorTitle: 'Station check',
  check_ok: 'OK',
  check_warn: 'WARN',
  check_fail: 'FAIL',
  hintLabel: 'Next step',
  cardsConfirmedFound: 'Card confirmed: {confirmed}; card on the reader: {found}',
  role_operator: 'operator',
  role_supervisor: 'supervisor',
  role_admin: 'admin',
  yes: 'yes',
  fkeys: 'F-keys on the buttons; Enter confirms; Esc cancels',
  searchReprint: 'Search / reprint',
  dayEnd: 'End of day',
  technical: 'Technical details (for support)',
  statusShift: 'Shift: {cash} expected',
};

const DICTS: Record<Lang, Record<MsgKey, string>> = { zh, en };

export type T = (key: MsgKey, vars?: Record<string, string | number>) => string;

/** Why typed text is not an amount, as the clerk's next step (full-width "５０" and "¥50" are amounts: common/yuan-input.ts). */
export function amountProblem(t: T, text: string): string {
  const p = yuanInputProblem(text);
  return t(p === 'decimals' ? 'amountDecimals' : p === 'negative' ? 'amountNegative' : p === 'too-large' ? 'amountTooLarge' : p === 'format' ? 'amountFormat' : 'amountInvalid');
}

/** A message with its {name} placeholders filled in. */
export function fill(template: string, vars?: Record<string, string | number>): string {
  let s = template;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}

/** Lookup in one language's table (a missing key shows as itself). */
export function lookup<K extends string>(dict: Record<K, string>): (key: K, vars?: Record<string, string | number>) => string {
  return (key, vars) => fill(dict[key] ?? key, vars);
}

export function translator(lang: Lang): T {
  return lookup(DICTS[lang]);
}

/** Card log types, workflows and settlement outcomes, as the station names them, in each language (an unknown name: 未知 / Unknown, never raw). */
const TERMS_ZH: Record<string, string> = {
  'ep-load': '充值', 'ed-load': '存折圈存', unload: '圈提', 'ep-purchase': '消费', 'ed-purchase': '存折消费', 'ep-capp-purchase': '复合消费',
  'capp-purchase': '复合消费', 'credit-purchase': '信用消费', 'ed-cash-withdraw': '取现', 'ed-update-overdraw-limit': '修改透支额度',
  purchase: '消费', load: '充值', 'migrated-out': '已升级转出', unknown: '未知',
  topup: '充值', issue: '售卡', migrate: '升级换卡', refund: '退卡', replace: '补卡', damaged: '换卡', lost: '挂失',
  recorded: '已入账', aborted: '已撤销（卡上未变）', 'still-in-doubt': '仍未确认', in_doubt: '待确认', intent: '已登记', card_committed: '卡已写入',
};
const TERMS_EN: Record<keyof typeof TERMS_ZH, string> = {
  'ep-load': 'Top-up', 'ed-load': 'Passbook load', unload: 'Unload', 'ep-purchase': 'Purchase', 'ed-purchase': 'Passbook purchase', 'ep-capp-purchase': 'Compound purchase',
  'capp-purchase': 'Compound purchase', 'credit-purchase': 'Credit purchase', 'ed-cash-withdraw': 'Cash withdrawal', 'ed-update-overdraw-limit': 'Overdraft limit changed',
  purchase: 'Purchase', load: 'Top-up', 'migrated-out': 'Upgraded (balance moved out)', unknown: 'Unknown',
  topup: 'Top-up', issue: 'Sale', migrate: 'M1 upgrade', refund: 'Refund', replace: 'Replacement', damaged: 'Exchange', lost: 'Lost report',
  recorded: 'recorded', aborted: 'cancelled (card unchanged)', 'still-in-doubt': 'still not confirmed', in_doubt: 'not confirmed', intent: 'registered', card_committed: 'written to the card',
};
export function term(lang: Lang, name: string): string {
  const terms = lang === 'zh' ? TERMS_ZH : TERMS_EN;
  return terms[name] ?? terms.unknown!;
}

/**
 * The card type byte (EF 0015 卡类型标识) by name. This table is the project's own assumption
 * (PRODUCT.md's 00–03, plus 04); no public source fixes these codes, and they differ by city
 * (docs/CARD-PROTOCOL-NOTES.md "Card type codes"). Any other code shows as 其他卡种 with the
 * code, never the bare code alone and never a guessed name.
 */
const CARD_TYPES: Record<Lang, Record<string, string>> = {
  zh: { '00': '普通卡', '01': '学生卡', '02': '老年卡', '03': '爱心卡', '04': '优惠卡' },
  en: { '00': 'Regular', '01': 'Student', '02': 'Senior', '03': 'Disability', '04': 'Concession' },
};
export function cardTypeName(lang: Lang, code: string): string {
  return CARD_TYPES[lang][code.toUpperCase()] ?? (lang === 'zh' ? `其他卡种（${code}）` : `Other card type (${code})`);
}

export const I18n = createContext<{ lang: Lang; t: T }>({ lang: 'zh', t: translator('zh') });
export const useI18n = () => useContext(I18n);

/** A screen's own message table, in both languages (its keys are its own, see useMessages). */
export type Messages<K extends string> = Record<Lang, Record<K, string>>;
/** A table repeating a key of the shared one above is a type error: each word is translated once. */
type OwnKeysOnly<K extends string> = [Extract<K, MsgKey>] extends [never] ? unknown : { keysAlsoInI18n: Extract<K, MsgKey> };

/**
 * One lookup for a screen's own table and the shared one: `t(key)` finds the key in whichever
 * holds it, in the operator's language (vars fill `{name}` in both).
 */
export function useMessages<K extends string>(tables: Messages<K> & OwnKeysOnly<K>): { t: (key: K | MsgKey, vars?: Record<string, string | number>) => string; lang: Lang } {
  const { lang, t } = useI18n();
  const own: Record<string, string> = tables[lang];
  return {
    lang,
    t: (key, vars) => {
      if (!Object.hasOwn(own, key)) return t(key as MsgKey, vars);
      return fill(own[key]!, vars);
    },
  };
}

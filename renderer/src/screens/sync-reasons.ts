/**
 * The clearing host's reasons on the quarantine list in the clerk's words (issue 16 gap 3). The
 * relay stores a refused or rejected entry's reason as "CODE: the host's English text"
 * (sync/relay.ts, core/sync-store.ts); the codes are the upload protocol's closed sets
 * (common/upstream-protocol.ts REJECT_CODES and REFUSE_CODES, and TAC_MISMATCH from the host's
 * load check). The screen shows the code's meaning; the host's own text stays folded for support.
 */
import type { Lang } from '../i18n.ts';

const REASONS: Record<Lang, Record<string, string>> = {
  zh: {
    UNBALANCED: '这笔流水借贷不平衡，清分中心不予清分',
    AMOUNT: '这笔流水的金额超出清分中心允许的范围',
    POSTINGS: '这笔流水的记账分录不符合清分中心的规则',
    PAYLOAD_TOO_LARGE: '这笔流水的内容过大，清分中心无法接收',
    TAC_MISMATCH: '充值验证码（TAC）核对不符：卡上可能没有这笔充值，或卡不是本系统发行的卡',
    CHAIN_GAP: '清分中心缺少这笔之前的流水（流水号不连续）',
    SEQ_ORDER: '上传的流水顺序错乱',
    PREV_HASH_MISMATCH: '本站流水与清分中心已保存的流水接不上',
    HASH_MISMATCH: '这笔流水的内容与其校验值不符',
    ENTRY_CONFLICT: '清分中心已有同一编号、内容不同的流水',
    STATION_MISMATCH: '这笔流水属于另一台工作站',
  },
  en: {
    UNBALANCED: 'The entry\'s debits and credits do not balance; the host will not clear it',
    AMOUNT: 'The entry\'s amount is beyond what the clearing host accepts',
    POSTINGS: 'The entry\'s postings break the clearing host\'s rules',
    PAYLOAD_TOO_LARGE: 'The entry is too large for the clearing host',
    TAC_MISMATCH: 'The load\'s TAC does not verify: the load may not be on the card, or the card is not genuine',
    CHAIN_GAP: 'The clearing host is missing entries before this one (a gap in the numbers)',
    SEQ_ORDER: 'The entries were uploaded out of order',
    PREV_HASH_MISMATCH: 'This station\'s entries do not continue the chain the host holds',
    HASH_MISMATCH: 'The entry\'s content does not match its check value',
    ENTRY_CONFLICT: 'The clearing host holds an entry with this number and different content',
    STATION_MISMATCH: 'The entry belongs to another station',
  },
};

/** A stored reason split into the host's code (null when it has none) and its own text. */
export function splitHostReason(stored: string): { code: string | null; detail: string } {
  const m = /^([A-Z][A-Z0-9_]*): ?([\s\S]*)$/.exec(stored);
  return m ? { code: m[1]!, detail: m[2]! } : { code: null, detail: stored };
}

/** The reason in the clerk's language: the code's meaning, or "refused by the host (code …)" for a code this station does not know. */
export function hostReasonText(lang: Lang, code: string | null): string {
  const known = code === null ? undefined : REASONS[lang][code];
  if (known !== undefined) return known;
  if (lang === 'zh') return code === null ? '清分中心拒收了这笔流水' : `清分中心拒收了这笔流水（代码 ${code}）`;
  return code === null ? 'The clearing host refused this entry' : `The clearing host refused this entry (code ${code})`;
}

/** The codes with their own text (a test holds them to the protocol's sets). */
export const KNOWN_HOST_CODES = Object.keys(REASONS.zh);

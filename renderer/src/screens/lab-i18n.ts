/**
 * Words of the training lab panel (培训实验室, issue 16 item 9), zh-CN and English. The panel
 * exists on a training station only, and says so on every line a trainee reads.
 */
import type { LabPresetId } from '../../../common/api-lab.ts';
import type { Messages } from '../i18n.ts';

type LabMsg =
  | 'labMenu' | 'labTitle' | 'labOnly' | 'labHint' | 'labLoading' | 'labReader' | 'labEmpty' | 'labCustom' | 'labCards'
  | 'labPlaceKey' | 'labRemoveKey' | 'labBackKey' | 'labPlaced' | 'labRemoved' | 'labWorking'
  | 'labNoLab' | 'labLiveRefused' | 'labFailed'
  | `preset_${LabPresetId}` | `presetUse_${LabPresetId}`;

export const LAB_WORDS: Messages<LabMsg> = {
  zh: {
    labMenu: '培训实验室',
    labTitle: '培训实验室 · 虚拟卡片',
    labOnly: '仅培训使用：这些是虚拟卡片，放在虚拟读卡器上，不是真实的卡',
    labHint: '↑↓ 选择卡片，←→ 选择读卡器，Enter 放上所选卡片（读卡器上原有的卡先取下），Delete 取下卡片，Esc 返回首页',
    labLoading: '正在读取培训实验室…',
    labReader: '读卡器 {n}',
    labEmpty: '（空）',
    labCustom: '其他卡片',
    labCards: '可放的卡片',
    labPlaceKey: '放上卡片', labRemoveKey: '取下卡片', labBackKey: '返回',
    labPlaced: '已放上：{card}（读卡器 {n}）。卡片信息显示在左侧',
    labRemoved: '已取下读卡器 {n} 上的卡片',
    labWorking: '正在放卡…',
    labNoLab: '培训实验室没有运行：请关闭工作站后重新启动，培训站会自动启动实验室',
    labLiveRefused: '这是正式工作站：培训实验室只在培训模式下可用，请使用真实卡片',
    labFailed: '操作未完成：请返回首页后重试',
    preset_stock: '空白 CPU 卡（库存卡，售卡用）',
    preset_customer: '顾客 CPU 卡（余额 ¥50.00，有交易记录）',
    preset_m1: 'M1 卡（钱包 ¥30.00，升级换卡用）',
    preset_tunion: '交通联合卡（余额 ¥20.00）',
    preset_damaged: '损坏的卡（无法读取，换卡用）',
    preset_blacklisted: '黑名单 M1 卡（余额 ¥15.00）',
    presetUse_stock: '练习：售卡；升级换卡、换卡、补卡的新卡',
    presetUse_customer: '练习：充值、退卡、挂失、查询',
    presetUse_m1: '练习：M1 升级换卡（新卡放在另一个读卡器）',
    presetUse_tunion: '练习：读卡、外地卡充值规则',
    presetUse_damaged: '练习：无法读取的卡换卡（卡号见读卡器一栏）',
    presetUse_blacklisted: '练习：黑名单卡的拒绝提示',
  },
  en: {
    labMenu: 'Training lab',
    labTitle: 'Training lab · virtual cards',
    labOnly: 'Training only: these are virtual cards on virtual readers, not real cards',
    labHint: '↑↓ choose a card, ←→ choose a reader, Enter puts the chosen card on (the card there is taken off first), Delete takes the card off, Esc back to home',
    labLoading: 'Reading the training lab…',
    labReader: 'Reader {n}',
    labEmpty: '(empty)',
    labCustom: 'Other card',
    labCards: 'Cards to place',
    labPlaceKey: 'Place card', labRemoveKey: 'Take card off', labBackKey: 'Back',
    labPlaced: 'Placed: {card} (reader {n}). The card shows on the left',
    labRemoved: 'The card on reader {n} was taken off',
    labWorking: 'Placing the card…',
    labNoLab: 'The training lab is not running: close the station and start it again; a training station starts its lab',
    labLiveRefused: 'This is a live station: the training lab works in training mode only; use real cards',
    labFailed: 'Not done: go back to home and try again',
    preset_stock: 'Blank CPU card (stock, for a sale)',
    preset_customer: 'Customer CPU card (balance ¥50.00, with history)',
    preset_m1: 'M1 card (purse ¥30.00, for an upgrade)',
    preset_tunion: 'T-Union card (balance ¥20.00)',
    preset_damaged: 'Damaged card (unreadable, for an exchange)',
    preset_blacklisted: 'Blacklisted M1 card (balance ¥15.00)',
    presetUse_stock: 'Practise: a sale; the new card of an upgrade, exchange or replacement',
    presetUse_customer: 'Practise: top-up, refund, lost report, search',
    presetUse_m1: 'Practise: M1 upgrade (the new card on the other reader)',
    presetUse_tunion: 'Practise: reading, other-city top-up rules',
    presetUse_damaged: 'Practise: exchange of an unreadable card (its number is in the reader column)',
    presetUse_blacklisted: 'Practise: how a blacklisted card is refused',
  },
};

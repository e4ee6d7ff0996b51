/**
 * Words of the 卡库存 screen (blank-card stock, issue 17 item 3), zh-CN and English. Refusals come
 * with the core's message id (common/say.ts) and are shown by ErrorBox in the clerk's language.
 */
import type { Messages } from '../i18n.ts';

type StockMsg =
  | 'stockTitle' | 'stockMenu' | 'stockHint' | 'colType' | 'colInStock' | 'colIssued' | 'colSpoiled' | 'colReturned'
  | 'dayLines' | 'colOpening' | 'colReceived' | 'colClosing' | 'reconciled' | 'notReconciled' | 'noStock'
  | 'receiveKey' | 'spoilKey' | 'returnKey' | 'backKey' | 'cancelKey' | 'submitKey'
  | 'firstNo' | 'lastNo' | 'rangeCardType' | 'documentNo' | 'spoilCardNo' | 'reason'
  | 'receiveTitle' | 'spoilTitle' | 'returnTitle' | 'doneReceive' | 'doneSpoil' | 'doneReturn' | 'loading' | 'supervisorOnly';

export const STOCK_WORDS: Messages<StockMsg> = {
  zh: {
    stockTitle: '卡库存', stockMenu: '卡库存',
    stockHint: 'F2 入库（值班长），F3 登记废卡，F6 退库（值班长）；Esc 返回。卡号为卡面 16 位数字。',
    colType: '卡类型', colInStock: '库存', colIssued: '已发出', colSpoiled: '废卡', colReturned: '已退库',
    dayLines: '{day} 卡库存：期初 + 入库 − 发出 − 废卡 − 退库 = 期末',
    colOpening: '期初', colReceived: '入库', colClosing: '期末',
    reconciled: '平：各卡类型的库存等式成立', notReconciled: '不平：{problems}。请值班长核对卡库存',
    noStock: '本网点还没有入库的新卡：请值班长按发卡中心的入库单入库（F2）',
    receiveKey: '入库', spoilKey: '登记废卡', returnKey: '退库', backKey: '返回', cancelKey: '取消', submitKey: '确认',
    firstNo: '起始卡号', lastNo: '终止卡号', rangeCardType: '卡类型（00 普通卡，01 学生卡，02 老年卡，03 爱心卡）', documentNo: '单据号', spoilCardNo: '卡号', reason: '原因（如：启用失败、芯片损坏）',
    receiveTitle: '入库：发卡中心送来的新卡', spoilTitle: '登记废卡：个人化失败的新卡（保留，随下次退库交回）', returnTitle: '退库：把本段卡号中的新卡和废卡退回发卡中心',
    doneReceive: '已入库 {cards} 张（{type}），卡号 {first} – {last}，单据 {doc}', doneSpoil: '卡号 {card} 已登记为废卡',
    doneReturn: '已退库：{summary}，单据 {doc}', loading: '正在读取卡库存…', supervisorOnly: '入库和退库须由值班长操作',
  },
  en: {
    stockTitle: 'Card stock', stockMenu: 'Card stock',
    stockHint: 'F2 receive (supervisor), F3 record a spoiled card, F6 return (supervisor); Esc back. Card numbers are the 16 digits printed on the card.',
    colType: 'Card type', colInStock: 'In stock', colIssued: 'Issued', colSpoiled: 'Spoiled', colReturned: 'Returned',
    dayLines: '{day} card stock: opening + received − issued − spoiled − returned = closing',
    colOpening: 'Opening', colReceived: 'Received', colClosing: 'Closing',
    reconciled: 'Reconciled: every card type\'s line holds', notReconciled: 'Does not reconcile: {problems}. A supervisor checks the stock',
    noStock: 'This station has received no blank cards yet: a supervisor receives them from the center\'s delivery note (F2)',
    receiveKey: 'Receive', spoilKey: 'Spoiled card', returnKey: 'Return', backKey: 'Back', cancelKey: 'Cancel', submitKey: 'Confirm',
    firstNo: 'First card number', lastNo: 'Last card number', rangeCardType: 'Card type (00 standard, 01 student, 02 senior, 03 disability)', documentNo: 'Document number', spoilCardNo: 'Card number', reason: 'Reason (e.g. activation failed, chip damaged)',
    receiveTitle: 'Receive: new cards from the card center', spoilTitle: 'Spoiled card: a new card that failed personalisation (kept, sent back with the next return)', returnTitle: 'Return: the new and spoiled cards of a range back to the card center',
    doneReceive: 'Received {cards} cards ({type}), {first} – {last}, document {doc}', doneSpoil: 'Card {card} recorded as spoiled',
    doneReturn: 'Returned: {summary}, document {doc}', loading: 'Reading the card stock…', supervisorOnly: 'Receiving and returning are done by a supervisor',
  },
};

/**
 * What the station says, in the clerk's language: every error code's title and next step, every
 * message id of common/say.ts, the request fields a refusal names, and the 自检 checks. The core's
 * English message and hint are for the CLI and support: on screen they show only in English mode
 * when the refusal has no message id, and otherwise only inside the closed 技术信息 / Technical
 * details line (they may name shell commands, which a counter screen never offers as a next step).
 * Records over the closed key sets: a code or id without its zh-CN and English text does not compile.
 */
import type { ApiError } from '../../common/api.ts';
import type { ErrorCode } from '../../common/errors.ts';
import type { Say, SayKey } from '../../common/say.ts';
import { fill, type Lang } from './i18n.ts';

interface CodeText { title: string; next: string }

const CODES: Record<Lang, Record<ErrorCode, CodeText>> = {
  zh: {
    BAD_INPUT: { title: '输入有误', next: '请按提示改正后再按 Enter' },
    CONFIG: { title: '站点配置有误', next: '请联系管理员检查本机的站点配置，然后运行自检（F6）' },
    KEYS: { title: '密钥不可用', next: '请联系管理员检查本机的密钥，然后运行自检（F6）' },
    CRYPTO: { title: '安全模块出错', next: '请重试一次；如再次出现，请运行自检（F6）并联系技术支持' },
    PCSC_UNAVAILABLE: { title: '读卡服务不可用', next: '读卡服务未运行：请运行自检（F6），并联系技术支持' },
    NO_READER: { title: '没有读卡器', next: '请连接读卡器，然后运行自检（F6）' },
    READER_GONE: { title: '读卡器已断开', next: '请重新连接读卡器，再试一次' },
    NO_CARD: { title: '读卡器上没有卡', next: '请将卡片放在读卡器上' },
    CARD_REMOVED: { title: '卡片被移开', next: '请将同一张卡重新放到读卡器上并保持不动，系统会自动确认或撤销' },
    CARD_TIMEOUT: { title: '卡片无响应', next: '请拿起卡片重新放好，再试一次' },
    CARD_MALFORMED: { title: '卡片数据异常', next: '卡片可能损坏：请重试，或办理换卡（卡务办理 F4 → F5）' },
    CARD_STATUS: { title: '卡片拒绝操作', next: '请拿起卡片重新放好再试；如仍被拒绝，请联系值班长' },
    CARD_UNSUPPORTED: { title: '不支持的卡', next: '本柜台不办理此卡，请引导顾客到相应服务网点' },
    CARD_MISMATCH: { title: '卡片不一致', next: '请放上本笔业务的那张卡，再试一次' },
    CARD_CHANGED: { title: '卡片已更换：请重新读卡后再办理', next: '本次未办理、未收款。请核对卡号，放上确认的那张卡，重新读卡后再办理' },
    STORAGE: { title: '本机存储出错', next: '请运行自检（F6）并联系技术支持；请勿重复办理' },
    DISK_FULL: { title: '本机磁盘已满', next: '本次未记账。请联系技术支持清理磁盘后再办理' },
    LEDGER_BROKEN: { title: '账本校验失败', next: '请停止使用本工作站，并立即联系技术支持' },
    AUTH: { title: '登录失败或未登录', next: '请检查工号和密码；多次输错会锁定账户：请值班长在“员工管理”（F1）中解锁或重置密码' },
    FORBIDDEN: { title: '权限不足', next: '此操作需要值班长或管理员：请值班长办理或签认' },
    POLICY: { title: '业务规则不允许', next: '本次未办理、未收款。请向顾客说明原因；如有疑问请联系值班长' },
    NO_SHIFT: { title: '尚未开班', next: '请先开班（首页 F3）' },
    UPSTREAM: { title: '清分中心不可用', next: '清分中心暂不可用：本地卡可继续办理，异地业务请稍后再试' },
    INCOMPLETE: { title: '有未完成的交易', next: '请将同一张卡重新放到读卡器上，系统会自动处理未完成的交易' },
    PRINTER: { title: '打印机出错', next: '交易不受影响。请检查打印机（纸、盖、电源），然后在“查询/重印”（F7）中重印' },
    RATE_LIMITED: { title: '尝试次数过多', next: '请稍候再试；忘记密码请联系值班长' },
    INTERNAL: { title: '系统错误', next: '请记下流水号或卡号，运行自检（F6），必要时联系技术支持' },
  },
  en: {
    BAD_INPUT: { title: 'Input not accepted', next: 'Correct it as shown and press Enter again' },
    CONFIG: { title: 'Station configuration problem', next: 'Ask the administrator to check this station\'s configuration, then run the check (F6)' },
    KEYS: { title: 'Keys not available', next: 'Ask the administrator to check this station\'s keys, then run the check (F6)' },
    CRYPTO: { title: 'Security module error', next: 'Try once more; if it happens again, run the check (F6) and call support' },
    PCSC_UNAVAILABLE: { title: 'Card reader service unavailable', next: 'The reader service is not running: run the check (F6) and call support' },
    NO_READER: { title: 'No card reader', next: 'Connect the reader, then run the check (F6)' },
    READER_GONE: { title: 'Reader disconnected', next: 'Reconnect the reader and try again' },
    NO_CARD: { title: 'No card on the reader', next: 'Place the card on the reader' },
    CARD_REMOVED: { title: 'Card removed', next: 'Place the same card on the reader again and keep it still: the station confirms or cancels by itself' },
    CARD_TIMEOUT: { title: 'The card did not answer', next: 'Lift the card, place it again and retry' },
    CARD_MALFORMED: { title: 'Card data not readable', next: 'The card may be damaged: try again, or exchange it (Card services F4 → F5)' },
    CARD_STATUS: { title: 'The card refused', next: 'Lift the card, place it again and retry; if it is refused again, call the supervisor' },
    CARD_UNSUPPORTED: { title: 'Card not supported', next: 'This counter does not serve this card: send the customer to its service point' },
    CARD_MISMATCH: { title: 'Not the same card', next: 'Place the card of this transaction and try again' },
    CARD_CHANGED: { title: 'Card changed: read the card again before going on', next: 'Nothing was done or charged. Check the number, place the confirmed card, read it again and start over' },
    STORAGE: { title: 'Storage error on this station', next: 'Run the check (F6) and call support; do not repeat the transaction' },
    DISK_FULL: { title: 'This station\'s disk is full', next: 'Nothing was recorded. Call support to free space, then try again' },
    LEDGER_BROKEN: { title: 'Ledger check failed', next: 'Stop using this station and call support now' },
    AUTH: { title: 'Login refused or not logged in', next: 'Check staff ID and PIN; repeated wrong PINs lock the account: a supervisor unlocks it or resets the PIN on the Staff screen (F1)' },
    FORBIDDEN: { title: 'Not allowed for your role', next: 'This needs a supervisor or an administrator: ask one to do it or sign it off' },
    POLICY: { title: 'Not allowed by the rules', next: 'Nothing was done or charged. Tell the customer why; ask the supervisor when in doubt' },
    NO_SHIFT: { title: 'No shift open', next: 'Open a shift first (home, F3)' },
    UPSTREAM: { title: 'Clearing host unavailable', next: 'Local cards can still be served; try other cities\' business later' },
    INCOMPLETE: { title: 'Incomplete transaction', next: 'Place the same card on the reader again: the station settles the incomplete transaction' },
    PRINTER: { title: 'Printer problem', next: 'The transaction stands. Check the printer (paper, cover, power), then reprint from Search / reprint (F7)' },
    RATE_LIMITED: { title: 'Too many attempts', next: 'Wait a moment and try again; if the PIN is forgotten, call the supervisor' },
    INTERNAL: { title: 'System error', next: 'Note the entry or card number, run the check (F6), and call support if needed' },
  },
};

/** A message id's text and, where it has its own, its next step (else the code's). */
type SayText = string | { text: string; next: string };

const SAYS: Record<Lang, Record<SayKey, SayText>> = {
  zh: {
    loginRefused: { text: '工号或密码错误，或该账户暂不能使用', next: '请核对工号和密码后重试；连续输错 {tries} 次账户会锁定 {minutes} 分钟，值班长可在“员工管理”（F1）中解锁或重置密码' },
    badField: '“{field}”不符合要求',
    notLoggedIn: { text: '尚未登录', next: '请输入工号和密码登录' },
    stationLocked: { text: '工作站已锁屏', next: '请输入密码解锁' },
    tooManyRequests: { text: '同时发出的请求过多', next: '请等待结果后再操作' },
    needsSupervisor: { text: '此操作需要值班长权限', next: '请值班长办理' },
    needsAdmin: { text: '此操作需要管理员权限', next: '请管理员办理' },
    needsSignOff: { text: '需要另一位值班长签认', next: '请当班值班长输入工号和密码' },
    ownSignOff: { text: '不能签认本人办理的业务', next: '请另一位值班长签认' },
    lostNotRegistered: { text: '卡号 {card} 不是本系统的记名卡：不记名卡不能挂失或补卡', next: '只有记名卡受保护；不记名卡的余额无法找回，请向顾客说明' },
    lostIdMismatch: { text: '身份证号码与卡号 {card} 的登记信息不符', next: '请核对办理人的身份证；只有登记的持卡人本人可以办理' },
    lostWrongStatus: { text: '卡号 {card} 当前状态为“{status}”，不能办理', next: '请核对卡号；如有疑问请联系值班长' },
    lostAlreadyLost: { text: '卡号 {card} 已挂失', next: '挂失等待期满后可办理补卡（卡务办理 F4 → F4）' },
    lostNoCardForId: { text: '该身份证号码名下没有记名卡', next: '不记名卡不能挂失；请核对身份证号码' },
    lostNoCandidate: { text: '该身份证号码名下的卡（{cards}）都不能办理此业务', next: '请核对卡号和卡片状态；如有疑问请联系值班长' },
    lostSeveralCards: { text: '该身份证号码名下有 {n} 张卡（{cards}）', next: '请在“卡号”栏填写要办理的那张卡的卡号' },
    replaceTooEarly: { text: '卡号 {card} 于 {lostOn} 挂失，挂失 {days} 天后才能补卡，可补卡时间：{from}', next: '请顾客届时再来办理（期间该卡仍在黑名单中）' },
    replaceNoRequest: { text: '没有补卡申请单号 {request}', next: '请核对领卡单上的申请单号' },
    replaceRequestState: { text: '补卡申请 {request} 已{state}', next: '无需再办理；如有疑问请联系值班长' },
    replaceIdMismatch: { text: '身份证号码与挂失卡的登记信息不符', next: '只有登记的持卡人本人可以领取新卡' },
    replaceHostNotConfirmed: { text: '清分中心尚未确认挂失卡 {card} 的余额（申请单 {request}）', next: '申请仍保留：请在清分中心恢复连接后再办理' },
    amountInvalid: { text: '金额格式不对', next: '请输入以元为单位的金额，最多两位小数，例如 50 或 50.5' },
    amountNotPositive: { text: '金额必须大于 0', next: '请重新输入金额' },
    paymentMethod: { text: '不支持的付款方式', next: '请选择现金（F5）或其他方式（F6）' },
    referenceNeeded: { text: '非现金付款需要填写支付凭证号', next: '请填写刷卡或扫码小票上的凭证号（1–64 个字符）' },
    tenderedTooMuch: { text: '实收现金超过单笔上限 {limit}', next: '请核对输入的实收金额' },
    tenderedTooLittle: { text: '实收现金 {tendered} 少于应收 {due}', next: '请向顾客收足应收金额，或核对输入的实收金额' },
    concessionOverdue: { text: '卡号 {card} 的年审有效期已于 {date} 到期，不能充值', next: '请先为顾客办理年审（F7 年审，或卡务办理 F4 → F7），再充值' },
    concessionDue: { text: '卡号 {card} 本月需年审（有效期至 {date}）', next: '可照常充值；请提醒顾客本月内办理年审（F7）' },
    concessionNotConcession: { text: '卡号 {card} 是普通卡，无需年审', next: '年审只办理学生卡、老年卡、爱心卡' },
    concessionNotRegistered: { text: '优惠卡只能记名发售', next: '请填写持卡人姓名和身份证号码，并核验优惠资格' },
    concessionEvidence: { text: '请写明核验了什么资格证明（1–120 个字）', next: '例如：学生证已核验，第一中学；不要录入证件号码或复印件' },
    concessionNoFile: { text: '卡号 {card} 没有年审文件，不能写入年审日期', next: '请为顾客换一张优惠卡（卡务办理 F4 → F5）' },
    topupBelowMin: { text: '充值金额至少 {min}', next: '请输入不少于 {min} 的金额' },
    topupAboveMax: { text: '充值金额超过卡内余额上限 {max}', next: '请核对输入的金额' },
    balanceAboveLimit: { text: '充值后余额将为 {balance}，超过上限 {max}', next: '本卡最多还能充值 {room}' },
    needsCpuCard: { text: '此业务只办理城市一卡通 CPU 卡', next: 'M1 卡请先办理升级换卡（卡务办理 F4 → F6）' },
    cardNoBalance: { text: '读不到卡内余额', next: '请拿起卡片重新放好再试；仍读不到可办理换卡（卡务办理 F4 → F5）' },
    cardBlacklisted: { text: '卡号 {card} 在黑名单中', next: '请联系值班长核查（挂失卡或已升级换卡的旧卡）' },
    cardLost: { text: '卡号 {card} 已挂失', next: '找回的卡须由值班长办理解挂；请勿为其办理业务' },
    cardBlocked: { text: '卡号 {card} 已锁定', next: '请联系值班长核查' },
    cardRefunded: { text: '卡号 {card} 已退卡', next: '已退卡的卡不能再办理业务，请向顾客说明' },
    cardExpired: { text: '卡号 {card} 已于 {date} 过期', next: '可为顾客办理换卡（卡务办理 F4 → F5）' },
    cardNotEnabled: { text: '卡号 {card} 尚未启用（未售出）', next: '请先办理售卡（卡务办理 F4 → F1）' },
    cardOtherCity: { text: '卡号 {card} 是其他城市（{city}）发行的卡', next: '此业务只能在发卡城市办理，请引导顾客到发卡城市的服务网点' },
    cardRegistryStatus: { text: '卡号 {card} 的登记状态为“{status}”，不能办理', next: '请联系值班长核查' },
    refundNoBalance: { text: '读不到卡内余额，不能退卡', next: '可为顾客办理换卡（卡务办理 F4 → F5）' },
    refundAboveLimit: { text: '卡内余额 {balance} 超过柜台现金退卡上限 {limit}', next: '请值班长（非本人）签认后办理，或请顾客到客服中心办理' },
    feeWaiverNoReason: { text: '减免手续费须填写理由', next: '请值班长写明减免理由（1–120 字）后再确认' },
    feeWaiverReasonTooLong: { text: '减免理由超过 120 字', next: '请缩短减免理由后再确认' },
    stockNotCpu: { text: '这张卡不是城市一卡通 CPU 新卡', next: '请放上一张库存新卡' },
    stockOtherCity: { text: '新卡 {card} 属于其他城市（{city}）', next: '请换一张本市的库存新卡' },
    stockAlreadySold: { text: '卡号 {card} 已启用（已售出），不是库存新卡', next: '请换一张库存新卡；为这张卡充值请用充值（F2）' },
    stockBlacklisted: { text: '新卡 {card} 在黑名单中', next: '请把这张卡放在一边，换一张库存新卡' },
    stockBlocked: { text: '新卡 {card} 已锁定', next: '请把这张卡放在一边，换一张库存新卡' },
    stockExpired: { text: '新卡 {card} 已于 {date} 过期', next: '请把这张卡放在一边，换一张库存新卡' },
    stockInRegistry: { text: '卡号 {card} 已有登记记录，不是库存新卡', next: '请换一张库存新卡' },
    stockUnusable: { text: '新卡 {card} 不能发行', next: '请换一张库存新卡' },
    stockAboveLimit: { text: '新卡 {card} 转入后余额将超过上限 {max}', next: '请换一张空的库存新卡' },
    stockNotReceived: { text: '新卡 {card} 不在本网点库存中（未登记入库）', next: '请换一张本网点已入库的新卡；这批卡须由值班长先在“卡库存”页面入库' },
    stockCardIssued: { text: '新卡 {card} 在库存中已记为发出', next: '请换一张库存新卡，并请值班长在“卡库存”页面核查这张卡' },
    stockCardSpoiled: { text: '新卡 {card} 已登记为废卡', next: '请把这张卡放入废卡袋，换一张库存新卡' },
    stockCardReturned: { text: '新卡 {card} 已退回发卡中心', next: '请把这张卡交给值班长，换一张库存新卡' },
    stockRangeKnown: { text: '卡号 {first} – {last} 中有 {count} 张卡已入库过', next: '请核对入库单上的起止卡号' },
    stockRangeEmpty: { text: '卡号 {first} – {last} 中没有可退回的卡', next: '请核对退库单上的起止卡号' },
    stockCardBusy: { text: '新卡 {card} 有未完成的业务', next: '请先把这张卡放到读卡器上完成处理，再登记废卡' },
    upgradeReaders: { text: '升级换卡需要旧卡和新卡的读卡器', next: '请在升级换卡页面为旧卡和新卡各选一个读卡器' },
    upgradeOneReader: { text: '只用一个读卡器时，须在两步之间换卡', next: '请按屏幕提示在旧卡完成后放上新卡' },
    m1AlreadyUpgraded: { text: 'M1 卡 {card} 已升级换卡', next: '每张 M1 卡只能升级一次；请在“查询/重印”（F7）中查找新卡' },
    m1Blacklisted: { text: 'M1 卡 {card} 在黑名单中', next: '请联系值班长核查（挂失卡或已升级的卡）' },
    m1Lost: { text: 'M1 卡 {card} 已挂失', next: '找回的卡须由值班长办理解挂' },
    m1OtherCity: { text: '这张 M1 卡是其他城市（{city}）发行的', next: '只能升级本市发行的 M1 卡，请引导顾客到发卡城市办理' },
    m1NoBalance: { text: '读不到 M1 卡内余额', next: '请拿起卡片重新放好再试' },
    upgradeAboveLimit: { text: '转入新卡的金额 {amount} 超过新卡余额上限 {max}', next: '请引导顾客到客服中心办理' },
    damagedFault: { text: '请选择损坏原因：质量问题或人为损坏', next: '在换卡页面按 F4（质量问题）或 F7（人为损坏）后再按 Enter' },
    exchangeReaders: { text: '卡可读时换卡需要两个读卡器：一个放旧卡，一个放新卡', next: '请在换卡页面为新卡选择另一个读卡器；只有一个读卡器时请按 F2“卡不可读”登记，凭领卡单取新卡' },
    damagedBlocked: { text: '卡号 {card} 已锁定：可能已为它开始换卡', next: '如已开始换卡，请按 F3“凭单领卡”，输入领卡单上的申请单号继续办理' },
    damagedNoBalance: { text: '读不到卡号 {card} 的卡内余额', next: '请按 F2“卡不可读”办理：输入卡面卡号登记，余额由清分中心确认后转入新卡' },
    damagedNoRequest: { text: '没有换卡申请单号 {request}', next: '请核对领卡单上的申请单号' },
    damagedRequestState: { text: '换卡申请 {request} 已{state}', next: '无需再办理；如有疑问请联系值班长' },
    damagedNotReady: { text: '换卡申请 {request} 自 {from} 起才能领卡', next: '请顾客届时再来领取新卡' },
    requestOtherNewCard: { text: '申请 {request} 已在新卡 {card} 上开始办理，读卡器上的不是这张卡', next: '请放上为此申请启用的那张新卡，再按 Enter' },
    newCardAboveLimit: { text: '余额 {balance} 转入后将超过新卡的余额上限', next: '请引导顾客到客服中心办理' },
    asnInvalid: { text: '卡号应为卡面上的 16 位卡号（数字 0–9 和字母 A–F）', next: '请按卡面、收据或登记记录核对卡号后重新输入' },
    idNumberMissing: { text: '请填写身份证号码', next: '请输入 18 位居民身份证号码' },
    idNumberInvalid: { text: '身份证号码无效', next: '请对照身份证核对 18 位号码（最后一位可能是 X）' },
    holderNameNeeded: { text: '记名需要填写持卡人姓名（1–20 个字）', next: '请按身份证填写姓名' },
    phoneInvalid: { text: '手机号码无效', next: '请填写 11 位手机号码（以 13–19 开头），或留空' },
    cashCountFormat: { text: '现金清点的格式不对', next: '请在各面额栏填写张数（只填数字）' },
    cashDenomination: { text: '{denom} 不是人民币面额', next: '请在对应面额栏填写张数' },
    cashPiecesPerDenomination: { text: '{denom} 共 {n} 张，超过每种面额 {max} 张的上限', next: '请核对该面额的张数' },
    cashPiecesTotal: { text: '共清点 {n} 张，超过 {max} 张的上限', next: '请核对各面额的张数' },
    cashCountAboveLimit: { text: '清点合计 {total}，超过上限 {max}', next: '请核对各面额的张数' },
    floatInvalid: { text: '备用金金额不对', next: '请输入以元为单位的金额（0 或以上），例如 500' },
    floatAboveLimit: { text: '备用金超过上限 {max}', next: '请核对输入的备用金金额' },
    shiftAlreadyOpen: { text: '您已有一个班次，自 {since} 开班', next: '请先交班（首页 F3），再开新班' },
    shiftAlreadyClosed: { text: '该班次已交班', next: '无需再办理；交班记录可在“查询/重印”（F7）中查看' },
    shiftExpectedChanged: { text: '交班过程中应有现金发生变化（现为 {expected}），未交班', next: '请重新清点现金后再交班' },
    cashDifference: { text: '{kind} {amount}（应有 {expected}，清点 {counted}）', next: '请重新清点；如确有差额，请另一位值班长输入工号和密码签认' },
    staffIdFormat: { text: '工号为 1–32 位字母、数字、_ 或 -', next: '请重新输入工号' },
    staffRoleInvalid: { text: '请选择角色：柜员、值班长或管理员', next: '请在角色栏中选择一项' },
    staffNameInvalid: { text: '姓名须为 1–64 个字', next: '请填写员工姓名' },
    staffExists: { text: '工号 {staff} 已存在', next: '请换一个工号；如要修改该账户，请在员工列表中选择它' },
    staffUnknown: { text: '没有工号为 {staff} 的账户', next: '请在员工列表中核对工号' },
    staffOwnAccount: { text: '不能对自己的账户执行此操作', next: '请另一位值班长或管理员办理' },
    staffNeedsAdmin: { text: '只有管理员可以修改值班长或管理员的账户', next: '请管理员在“员工管理”（F1）中办理' },
    pinFormat: { text: '密码为 4–12 位数字', next: '请重新输入密码' },
    entryUnknown: { text: '没有流水号 {entry}', next: '请核对收据上的流水号，或按卡号、日期查询（F7）' },
    receiptUpgradeUnfinished: { text: '流水号 {entry} 是一笔尚未完成的升级换卡的一步', next: '请将旧卡和新卡放回读卡器完成升级换卡，完成后即有收据' },
    receiptRequestPending: { text: '流水号 {entry} 所属申请的新卡尚未发出', next: '顾客持有领卡单：请重印申请那一笔的领卡单' },
    receiptShiftMissing: { text: '找不到流水号 {entry} 所属的班次', next: '请运行自检（F6），并联系技术支持' },
    receiptNone: { text: '流水号 {entry} 这笔业务没有顾客收据', next: '售卡、充值、升级换卡、挂失、补卡、换卡、退卡和交班才有收据' },
    receiptPrinting: { text: '流水号 {entry} 的收据正在打印', next: '请等待打印机；如没有打印出来，请按重印' },
    receiptPrintedAlready: { text: '流水号 {entry} 的收据已打印过', next: '如需再打一份，请按重印（会标注并计数）' },
    reprintBusy: { text: '流水号 {entry} 的重印正在打印', next: '请等待打印机；如没有打印出来，请再按重印' },
    searchNeedsQuery: { text: '请输入查询条件', next: '请输入卡号的一部分、收据上的流水号，或选择日期' },
    confirmNewCardAgain: { text: '新卡未按确认时的卡号办理', next: '本次未办理、未收款。请重新读两张卡并再次确认' },
    ledgerEntryUnreadable: { text: '账本第 {seq} 笔（流水号 {entry}）无法读取', next: '请停止在本工作站办理业务，并立即联系技术支持；请勿重复办理' },
    ledgerAppendOnly: { text: '账本拒绝修改已记账的记录', next: '本次未记账。请停止在本工作站办理业务，并联系技术支持' },
    cashAboveDrawer: { text: '金额 {amount} 超过钱箱按账应有的现金 {expected}', next: '请核对金额：不能多于钱箱中的现金' },
    transferToSelf: { text: '调款须调给另一位柜员的当班', next: '请填写接收现金的柜员工号' },
    transferNoShift: { text: '柜员 {staff} 没有开班，不能接收现金', next: '请对方先开班，再调款' },
    transferNotPending: { text: '这笔调款不在等您接收的调款中', next: '可能已被接收，或调给了另一位柜员；请刷新“待接收调款”' },
    doctorConfigOk: '{mode}，城市代码 {city}，终端号 {terminal}',
    doctorNoStation: { text: '本机尚未建立站点', next: '请联系管理员建立站点' },
    doctorFilesOk: '工作站文件（{n} 个）仅本用户可读写',
    doctorFilesTightened: { text: '部分工作站文件的权限过宽，已自动收紧', next: '请管理员确认此前谁能读取这些文件（备份、共用账户）' },
    doctorFilesFailed: { text: '无法把工作站文件设为仅本用户可读写', next: '请联系管理员检查文件的所有者' },
    doctorPcscOk: '读卡服务正常，{n} 个读卡器',
    doctorInProcess: { text: '培训读卡器（仅虚拟卡）：本机没有读卡服务', next: '练习请用培训实验室（首页 L）；使用真实读卡器需管理员安装读卡服务' },
    doctorNoPcsc: { text: '本机没有读卡服务，不能读取真实卡片', next: '请联系管理员安装读卡服务，然后再运行自检' },
    doctorReadersOk: '{n} 个读卡器，{cards} 个上有卡',
    doctorNoReader: { text: '没有读卡器', next: '请连接读卡器后再运行自检' },
    doctorLedgerOk: '账本完整，{n} 条记录，哈希链校验通过',
    doctorLedgerIncomplete: { text: '账本完整；有 {n} 笔卡上交易未完成', next: '请把相关卡片放回读卡器上，系统会自动处理' },
    doctorLedgerBroken: { text: '账本哈希链在第 {seq} 条记录处断开', next: '请停止使用本工作站，并立即联系技术支持' },
    doctorKeysOk: '已载入 {n} 个发卡城市的密钥',
    doctorNoKeys: { text: '没有密钥文件：充值需要安全模块或清分中心', next: '请联系管理员导入密钥' },
    doctorPrinterNone: { text: '未设置收据打印机：收据只保存为文件', next: '请管理员为本机设置收据打印机；在此之前可在“查询/重印”（F7）中查看收据' },
    doctorPrinterDir: '收据复制到文件夹（文件打印）',
    doctorUpstreamNone: { text: '未设置清分中心：流水暂存在本机，异地卡不能充值', next: '请管理员为本机设置清分中心的地址和密钥' },
  },
  en: {
    loginRefused: { text: 'Wrong staff ID or PIN, or the account cannot be used now', next: 'Check both and try again; after {tries} wrong PINs an account is locked for {minutes} minutes — a supervisor can unlock it or reset the PIN on the Staff screen (F1)' },
    badField: '"{field}" was not accepted',
    notLoggedIn: { text: 'Not logged in', next: 'Log in with your staff ID and PIN' },
    stationLocked: { text: 'The station is locked', next: 'Enter your PIN to unlock' },
    tooManyRequests: { text: 'Too many requests at once', next: 'Wait for the answers, then go on' },
    needsSupervisor: { text: 'This needs a supervisor', next: 'Ask a supervisor to do it' },
    needsAdmin: { text: 'This needs an administrator', next: 'Ask an administrator to do it' },
    needsSignOff: { text: 'Another supervisor must sign this off', next: 'Ask the supervisor on duty to enter their ID and PIN' },
    ownSignOff: { text: 'No one signs off their own transaction', next: 'Ask another supervisor to sign it off' },
    lostNotRegistered: { text: 'Card {card} is not a registered card here: anonymous cards cannot be reported lost or replaced', next: 'Only registered cards are protected; an anonymous card\'s balance cannot be recovered' },
    lostIdMismatch: { text: 'The ID number does not match the registration of card {card}', next: 'Check the ID card of the person reporting; only the registered holder may do this' },
    lostWrongStatus: { text: 'Card {card} is "{status}": this cannot be done', next: 'Check the card number; ask the supervisor when in doubt' },
    lostAlreadyLost: { text: 'Card {card} is already reported lost', next: 'A replacement can be issued after the waiting period (Card services F4 → F4)' },
    lostNoCardForId: { text: 'No registered card for this ID number', next: 'Anonymous cards cannot be reported lost; check the ID number' },
    lostNoCandidate: { text: 'None of the cards registered to this ID number ({cards}) can be served for this', next: 'Check the card numbers and their state; ask the supervisor when in doubt' },
    lostSeveralCards: { text: '{n} cards are registered to this ID number ({cards})', next: 'Enter the number of the card concerned in the card number field' },
    replaceTooEarly: { text: 'Card {card} was reported lost on {lostOn}; a replacement can be issued {days} days after, from {from}', next: 'Ask the customer to come back then (the card stays blacklisted meanwhile)' },
    replaceNoRequest: { text: 'No replacement request {request}', next: 'Check the number on the pickup slip' },
    replaceRequestState: { text: 'Replacement request {request} is already {state}', next: 'Nothing to do; ask the supervisor when in doubt' },
    replaceIdMismatch: { text: 'The ID number does not match the registration of the lost card', next: 'Only the registered holder may collect the replacement' },
    replaceHostNotConfirmed: { text: 'The clearing host has not confirmed the balance of lost card {card} yet (request {request})', next: 'The request stays queued: try again once the host is reachable' },
    amountInvalid: { text: 'The amount is not a sum of money', next: 'Type the amount in yuan with at most two decimals, e.g. 50 or 50.5' },
    amountNotPositive: { text: 'The amount must be more than 0', next: 'Type the amount again' },
    paymentMethod: { text: 'That payment method is not taken', next: 'Choose cash (F5) or other (F6)' },
    referenceNeeded: { text: 'A non-cash payment needs its reference', next: 'Type the slip number from the card or QR terminal (1–64 characters)' },
    tenderedTooMuch: { text: 'The cash tendered is above the limit of {limit} for one transaction', next: 'Check the amount typed' },
    tenderedTooLittle: { text: 'The cash tendered, {tendered}, is less than the amount due, {due}', next: 'Take the full amount due, or check the amount typed' },
    concessionOverdue: { text: 'Card {card}: its annual check ran out on {date}; it cannot be topped up', next: 'Do the annual check first (F7 Annual check, or Card services F4 → F7), then top up' },
    concessionDue: { text: 'Card {card} is due for its annual check this month (valid to {date})', next: 'The top-up goes on; remind the customer to have it verified this month (F7)' },
    concessionNotConcession: { text: 'Card {card} is a regular card: it needs no annual check', next: 'The annual check is for student, senior and care cards only' },
    concessionNotRegistered: { text: 'A concession card is sold registered only', next: 'Fill in the holder\'s name and ID number and check the eligibility' },
    concessionEvidence: { text: 'Say what eligibility proof was checked (1–120 characters)', next: 'For example: student card checked, No. 1 Middle School; never a document number or copy' },
    concessionNoFile: { text: 'Card {card} has no annual-check file: no date can be written to it', next: 'Exchange it for a concession card (Card services F4 → F5)' },
    topupBelowMin: { text: 'A top-up is at least {min}', next: 'Type an amount of at least {min}' },
    topupAboveMax: { text: 'The amount is above a card\'s balance limit of {max}', next: 'Check the amount typed' },
    balanceAboveLimit: { text: 'The balance would be {balance}, above the limit of {max}', next: 'At most {room} can be loaded onto this card' },
    needsCpuCard: { text: 'This is done for City Union CPU cards only', next: 'An M1 card is upgraded first (Card services F4 → F6)' },
    cardNoBalance: { text: 'The card\'s balance cannot be read', next: 'Lift the card, place it again and retry; if it stays unreadable, exchange it (Card services F4 → F5)' },
    cardBlacklisted: { text: 'Card {card} is blacklisted', next: 'Ask the supervisor to check it (a lost card, or an old card already upgraded)' },
    cardLost: { text: 'Card {card} is reported lost', next: 'A found card is returned by a supervisor; do not serve it' },
    cardBlocked: { text: 'Card {card} is blocked', next: 'Ask the supervisor to check it' },
    cardRefunded: { text: 'Card {card} was refunded', next: 'A refunded card is not served again; tell the customer' },
    cardExpired: { text: 'Card {card} expired on {date}', next: 'Offer an exchange (Card services F4 → F5)' },
    cardNotEnabled: { text: 'Card {card} is not activated (not sold yet)', next: 'Sell it first (Card services F4 → F1)' },
    cardOtherCity: { text: 'Card {card} was issued by another city ({city})', next: 'This is done only in the issuing city: send the customer to its service point' },
    cardRegistryStatus: { text: 'Card {card} is registered as "{status}": this cannot be done', next: 'Ask the supervisor to check it' },
    refundNoBalance: { text: 'The card\'s balance cannot be read, so it cannot be refunded', next: 'Offer an exchange (Card services F4 → F5)' },
    refundAboveLimit: { text: 'The balance of {balance} is above the counter\'s cash refund limit of {limit}', next: 'A supervisor other than you signs it off, or the customer goes to the main service center' },
    feeWaiverNoReason: { text: 'A fee waiver needs a reason', next: 'The supervisor writes why the fee is waived (1–120 characters), then confirm again' },
    feeWaiverReasonTooLong: { text: 'The waiver reason is longer than 120 characters', next: 'Shorten the reason, then confirm again' },
    stockNotCpu: { text: 'This is not a new City Union CPU card', next: 'Place a new card from stock' },
    stockOtherCity: { text: 'New card {card} belongs to another city ({city})', next: 'Take a stock card of this city' },
    stockAlreadySold: { text: 'Card {card} is already activated (sold): it is not stock', next: 'Take a new card from stock; to load this card use Top-up (F2)' },
    stockBlacklisted: { text: 'New card {card} is blacklisted', next: 'Put the card aside and take another from stock' },
    stockBlocked: { text: 'New card {card} is blocked', next: 'Put the card aside and take another from stock' },
    stockExpired: { text: 'New card {card} expired on {date}', next: 'Put the card aside and take another from stock' },
    stockInRegistry: { text: 'Card {card} is already registered: it is not stock', next: 'Take a new card from stock' },
    stockUnusable: { text: 'New card {card} cannot be issued', next: 'Take another card from stock' },
    stockAboveLimit: { text: 'New card {card} would hold more than the limit of {max}', next: 'Take an empty card from stock' },
    stockNotReceived: { text: 'New card {card} is not in this station\'s stock (never received here)', next: 'Take a card this station received; a supervisor receives the batch first on the Card stock screen' },
    stockCardIssued: { text: 'New card {card} is already recorded as issued from stock', next: 'Take another card from stock and ask a supervisor to check this one on the Card stock screen' },
    stockCardSpoiled: { text: 'New card {card} was recorded as spoiled', next: 'Put it with the spoiled cards and take another card from stock' },
    stockCardReturned: { text: 'New card {card} was returned to the card center', next: 'Hand it to the supervisor and take another card from stock' },
    stockRangeKnown: { text: '{count} cards of {first} – {last} were received before', next: 'Check the first and last card numbers on the delivery note' },
    stockRangeEmpty: { text: 'No card of {first} – {last} can be returned', next: 'Check the first and last card numbers on the return note' },
    stockCardBusy: { text: 'New card {card} has an unfinished operation', next: 'Place the card on a reader to finish it first, then record it as spoiled' },
    upgradeReaders: { text: 'An upgrade needs a reader for the old card and one for the new card', next: 'Choose a reader for each card on the upgrade screen' },
    upgradeOneReader: { text: 'With one reader the cards are swapped between the two steps', next: 'Place the new card when the screen asks, after the old card is done' },
    m1AlreadyUpgraded: { text: 'M1 card {card} was already upgraded', next: 'Each M1 card is upgraded once; find the new card in Search / reprint (F7)' },
    m1Blacklisted: { text: 'M1 card {card} is blacklisted', next: 'Ask the supervisor to check it (a lost or already upgraded card)' },
    m1Lost: { text: 'M1 card {card} is reported lost', next: 'A found card is returned by a supervisor' },
    m1OtherCity: { text: 'This M1 card was issued by another city ({city})', next: 'Only this city\'s M1 cards are upgraded here: send the customer to the issuing city' },
    m1NoBalance: { text: 'The M1 card\'s balance cannot be read', next: 'Lift the card, place it again and retry' },
    upgradeAboveLimit: { text: 'The {amount} to move is above the new card\'s balance limit of {max}', next: 'Send the customer to the main service center' },
    damagedFault: { text: 'Choose the cause of the damage: quality fault or customer damage', next: 'Press F4 (quality fault) or F7 (customer damage) on the exchange screen, then Enter' },
    exchangeReaders: { text: 'A readable card is exchanged with the old card on one reader and the new card on another', next: 'Choose another reader for the new card; with one reader, use F2 Unreadable and hand over the new card against the pickup slip' },
    damagedBlocked: { text: 'Card {card} is blocked: an exchange may have been started for it', next: 'If so, continue it with F3 Pickup slip and the request number on the slip' },
    damagedNoBalance: { text: 'The balance of card {card} cannot be read', next: 'Use F2 Unreadable: type the number from the card; the clearing host confirms the balance for the new card' },
    damagedNoRequest: { text: 'There is no exchange request {request}', next: 'Check the request number on the pickup slip' },
    damagedRequestState: { text: 'Exchange request {request} is {state} already', next: 'Nothing more to do; ask the supervisor when in doubt' },
    damagedNotReady: { text: 'Exchange request {request} can be collected from {from}', next: 'Ask the customer to come back then' },
    requestOtherNewCard: { text: 'Request {request} was started on new card {card}; the card on the reader is another one', next: 'Place the new card activated for this request and press Enter' },
    newCardAboveLimit: { text: 'The balance of {balance} would take the new card above its balance limit', next: 'Send the customer to the main service center' },
    asnInvalid: { text: 'A card number is the 16 characters printed on the card (digits 0–9 and letters A–F)', next: 'Check it against the card, the receipt or the registration and type it again' },
    idNumberMissing: { text: 'The ID card number is missing', next: 'Type the 18-character resident ID number' },
    idNumberInvalid: { text: 'That is not a valid ID card number', next: 'Check the 18 characters against the ID card (the last may be X)' },
    holderNameNeeded: { text: 'A registered card needs the holder\'s name (1–20 characters)', next: 'Type the name as on the ID card' },
    phoneInvalid: { text: 'That is not a mobile number', next: 'Type the 11-digit mobile number (starting 13–19), or leave it empty' },
    cashCountFormat: { text: 'The cash count is not in the right form', next: 'Type the number of pieces (digits only) under each denomination' },
    cashDenomination: { text: '{denom} is not an RMB denomination', next: 'Type the pieces under their own denomination' },
    cashPiecesPerDenomination: { text: '{n} pieces of {denom} is above the limit of {max} per denomination', next: 'Check the count of that denomination' },
    cashPiecesTotal: { text: '{n} pieces counted is above the limit of {max}', next: 'Check the counts typed' },
    cashCountAboveLimit: { text: 'The count totals {total}, above the limit of {max}', next: 'Check the counts typed' },
    floatInvalid: { text: 'The float is not a sum of money', next: 'Type the float in yuan (0 or more), e.g. 500' },
    floatAboveLimit: { text: 'The float is above the limit of {max}', next: 'Check the float typed' },
    shiftAlreadyOpen: { text: 'You have a shift open since {since}', next: 'Close it first (home, F3), then open a new one' },
    shiftAlreadyClosed: { text: 'This shift is closed already', next: 'Nothing more to do; its close is in Search / reprint (F7)' },
    shiftExpectedChanged: { text: 'The expected cash changed while closing (now {expected}): nothing was closed', next: 'Count again and close again' },
    cashDifference: { text: '{kind} of {amount} (expected {expected}, counted {counted})', next: 'Count again; if the difference stands, another supervisor enters their ID and PIN to sign it off' },
    staffIdFormat: { text: 'A staff ID is 1–32 letters, digits, _ or -', next: 'Type the staff ID again' },
    staffRoleInvalid: { text: 'Choose a role: clerk, supervisor or administrator', next: 'Pick one in the role field' },
    staffNameInvalid: { text: 'The name is 1–64 characters', next: 'Type the staff member\'s name' },
    staffExists: { text: 'Staff ID {staff} exists already', next: 'Choose another staff ID; to change that account, pick it in the staff list' },
    staffUnknown: { text: 'There is no account {staff}', next: 'Check the staff ID in the staff list' },
    staffOwnAccount: { text: 'This cannot be done to your own account', next: 'Ask another supervisor or an administrator' },
    staffNeedsAdmin: { text: 'Only an administrator changes a supervisor\'s or an administrator\'s account', next: 'Ask an administrator to do it on the Staff screen (F1)' },
    pinFormat: { text: 'A PIN is 4 to 12 digits', next: 'Type the PIN again' },
    entryUnknown: { text: 'There is no entry {entry}', next: 'Check the entry number on the receipt, or search by card number or day (F7)' },
    receiptUpgradeUnfinished: { text: 'Entry {entry} is a step of an M1 upgrade that has not finished', next: 'Put the old and the new card back on the readers to finish the upgrade; its receipt comes then' },
    receiptRequestPending: { text: 'The new card of entry {entry}\'s request has not been issued yet', next: 'The customer holds the pickup slip: reprint the slip with the request\'s entry' },
    receiptShiftMissing: { text: 'The shift of entry {entry} cannot be found', next: 'Run the check (F6) and call support' },
    receiptNone: { text: 'Entry {entry} has no customer receipt', next: 'Sales, top-ups, upgrades, lost reports, replacements, exchanges, refunds and shift closes have receipts' },
    receiptPrinting: { text: 'The receipt of entry {entry} is being printed', next: 'Wait for the printer; if nothing comes out, reprint it' },
    receiptPrintedAlready: { text: 'The receipt of entry {entry} was printed already', next: 'For another copy, reprint it (the copy is marked and counted)' },
    reprintBusy: { text: 'A reprint of entry {entry} is being printed', next: 'Wait for the printer; if nothing comes out, reprint again' },
    searchNeedsQuery: { text: 'Nothing to search for', next: 'Type part of a card number, the entry number from a receipt, or pick a day' },
    confirmNewCardAgain: { text: 'The new card was not the one confirmed', next: 'Nothing was done or charged. Read both cards again and confirm again' },
    ledgerEntryUnreadable: { text: 'Ledger entry {seq} ({entry}) cannot be read', next: 'Stop serving on this station and call support now; do not repeat the transaction' },
    ledgerAppendOnly: { text: 'The ledger refused to change a recorded entry', next: 'Nothing was recorded. Stop serving on this station and call support' },
    cashAboveDrawer: { text: '{amount} is more than the drawer holds by the books ({expected})', next: 'Check the amount: it cannot be more than the cash in the drawer' },
    transferToSelf: { text: 'A transfer goes to another teller\'s open shift', next: 'Enter the staff ID of the teller who takes the cash' },
    transferNoShift: { text: 'Teller {staff} has no open shift to take the cash', next: 'Ask them to open their shift first, then send again' },
    transferNotPending: { text: 'This transfer is not waiting for you', next: 'It was taken already, or sent to another teller: refresh the transfers waiting' },
    doctorConfigOk: '{mode}, city code {city}, terminal {terminal}',
    doctorNoStation: { text: 'No station has been set up on this machine', next: 'Ask the administrator to set up the station' },
    doctorFilesOk: 'The station\'s files ({n}) are private to this user',
    doctorFilesTightened: { text: 'Some station files were readable by others: tightened now', next: 'Ask the administrator to check who could read them before (backups, shared accounts)' },
    doctorFilesFailed: { text: 'The station\'s files cannot be made private to this user', next: 'Ask the administrator to check the files\' owner' },
    doctorPcscOk: 'Card reader service up, {n} reader(s)',
    doctorInProcess: { text: 'Training readers (virtual cards only): no reader service on this machine', next: 'Practise with the training lab (home, L); a real reader needs the administrator to install the reader service' },
    doctorNoPcsc: { text: 'No reader service on this machine: real cards cannot be read', next: 'Ask the administrator to install the reader service, then run the check again' },
    doctorReadersOk: '{n} reader(s), a card on {cards}',
    doctorNoReader: { text: 'No card reader', next: 'Connect the reader and run the check again' },
    doctorLedgerOk: 'Ledger complete: {n} entries, hash chain verified',
    doctorLedgerIncomplete: { text: 'Ledger complete; {n} card transaction(s) unfinished', next: 'Put the cards concerned back on the reader: the station settles them' },
    doctorLedgerBroken: { text: 'The ledger\'s hash chain is broken at entry {seq}', next: 'Stop using this station and call support now' },
    doctorKeysOk: 'Keys of {n} issuing cities loaded',
    doctorNoKeys: { text: 'No key file: loads need a security module or the clearing host', next: 'Ask the administrator to import the keys' },
    doctorPrinterNone: { text: 'No receipt printer set: receipts are only saved as files', next: 'Ask the administrator to set this station\'s receipt printer; until then receipts can be viewed in Search / reprint (F7)' },
    doctorPrinterDir: 'Receipts are copied to a folder (file printing)',
    doctorUpstreamNone: { text: 'No clearing host set: the ledger waits on this station, other cities\' cards cannot be loaded', next: 'Ask the administrator to set the clearing host\'s address and secret' },
  },
};

/** Request fields a refusal may name, as the clerk's form calls them. */
const FIELDS: Record<Lang, Record<string, string>> = {
  zh: {
    cardNo: '卡号', card: '卡号', entryId: '流水号', day: '日期', staffId: '工号', pin: '密码', newPin: '新密码',
    'supervisor.staffId': '值班长工号', 'supervisor.pin': '值班长密码', amountFen: '金额', tenderedFen: '实收现金', floatFen: '备用金',
    reference: '支付凭证号', idNumber: '身份证号码', holderName: '持卡人姓名', phone: '手机号码', request: '申请单号', counted: '清点现金',
    to: '交款去向', toOperatorId: '接收柜员工号', transferId: '调款单号',
  },
  en: {
    cardNo: 'Card number', card: 'Card number', entryId: 'Entry', day: 'Date', staffId: 'Staff ID', pin: 'PIN', newPin: 'New PIN',
    'supervisor.staffId': 'Supervisor ID', 'supervisor.pin': 'Supervisor PIN', amountFen: 'Amount', tenderedFen: 'Cash tendered', floatFen: 'Float',
    reference: 'Payment reference', idNumber: 'ID card number', holderName: 'Holder\'s name', phone: 'Mobile', request: 'Request number', counted: 'Counted cash',
    to: 'Handed to', toOperatorId: 'Receiving teller ID', transferId: 'Transfer number',
  },
};

/** Figures a message shows as words: a card's registry state, a request's state, the station's mode. */
const WORDS: Record<Lang, Record<string, string>> = {
  zh: {
    active: '正常', lost: '已挂失', blocked: '已锁定', refunded: '已退卡', migrated: '已升级换卡', replaced: '已补卡', damaged: '已换卡（损坏）',
    done: '办结', cancelled: '取消', cashShort: '短款', cashOver: '长款', training: '培训模式', live: '正式运行',
  },
  en: {
    active: 'active', lost: 'reported lost', blocked: 'blocked', refunded: 'refunded', migrated: 'upgraded', replaced: 'replaced', damaged: 'exchanged (damaged)',
    done: 'done', cancelled: 'cancelled', cashShort: 'Shortage', cashOver: 'Overage', training: 'Training mode', live: 'Live',
  },
};

/** A field path as the clerk's form names it (unknown paths: the last part, which the English UI shows as it is). */
export function fieldName(lang: Lang, path: string): string {
  const names = FIELDS[lang];
  return names[path] ?? names[path.split('.').pop() ?? path] ?? (lang === 'zh' ? '输入内容' : path);
}

/** A message id with its figures, in one language; the next step its own or undefined. */
export function sayText(lang: Lang, s: Say): { text: string; next: string | undefined } {
  const entry = SAYS[lang][s.id];
  const vars: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(s.vars ?? {})) {
    vars[k] = k === 'field' ? fieldName(lang, String(v)) : typeof v === 'string' ? (WORDS[lang][v] ?? v) : v;
  }
  return typeof entry === 'string' ? { text: fill(entry, vars), next: undefined } : { text: fill(entry.text, vars), next: fill(entry.next, vars) };
}

export interface ErrorWords {
  title: string;
  /** What happened in the clerk's words (null: the title says it all). */
  text: string | null;
  next: string;
  /** The core's English message and hint, for support (shown folded). */
  technical: string;
}

/** Codes whose message is a fault's own text, never a clerk's words: shown only under 技术信息 / Technical details. */
const FAULT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INTERNAL', 'STORAGE', 'LEDGER_BROKEN', 'CRYPTO', 'CONFIG']);

/** An API error as the clerk reads it (ui.tsx ErrorBox draws it). */
export function errorWords(lang: Lang, e: Pick<ApiError, 'code' | 'message' | 'hint' | 'say'>): ErrorWords {
  const code = CODES[lang][e.code];
  const said = e.say ? sayText(lang, e.say) : null;
  const technical = `${e.code}: ${e.message}${e.hint ? ` — ${e.hint}` : ''}`;
  // Without a message id the core's English message is the detail in English mode; in Chinese the title and the code's next step stand alone.
  // A fault's message (an exception's text, a schema's complaint, a SQL error) is for support only, in either language.
  const text = said?.text ?? (lang === 'en' && !FAULT_CODES.has(e.code) ? e.message : null);
  return { title: code.title, text, next: said?.next ?? code.next, technical };
}

/** The code's title alone (refusal banners that add their own words). */
export function errorTitleOf(lang: Lang, code: ErrorCode): string {
  return CODES[lang][code].title;
}

/** The next step for a code (before a refusal's own). */
export function errorNextOf(lang: Lang, code: ErrorCode): string {
  return CODES[lang][code].next;
}

const CHECKS: Record<Lang, Record<string, string>> = {
  zh: { config: '站点配置', files: '文件权限', pcsc: '读卡服务', readers: '读卡器', database: '账本数据库', keys: '密钥', printer: '收据打印机', upstream: '清分中心' },
  en: { config: 'Station', files: 'File access', pcsc: 'Reader service', readers: 'Readers', database: 'Ledger database', keys: 'Keys', printer: 'Receipt printer', upstream: 'Clearing host' },
};
const CHECK_STATE: Record<Lang, Record<'ok' | 'warn' | 'fail', { text: string; next?: string }>> = {
  zh: { ok: { text: '正常' }, warn: { text: '需要注意', next: '请联系管理员处理' }, fail: { text: '故障', next: '请联系管理员或技术支持处理' } },
  en: { ok: { text: 'Working' }, warn: { text: 'Needs attention', next: 'Ask the administrator to look at it' }, fail: { text: 'Not working', next: 'Ask the administrator or support to fix it' } },
};

/** One 自检 line for the screen: the check's name, what it found and the next step, in the clerk's language. */
export function checkWords(lang: Lang, c: { name: string; status: 'ok' | 'warn' | 'fail'; detail: string; hint?: string | undefined; say?: Say | undefined }): { name: string; text: string; next: string | undefined; technical: string } {
  const said = c.say ? sayText(lang, c.say) : null;
  const state = CHECK_STATE[lang][c.status];
  return {
    name: CHECKS[lang][c.name] ?? c.name,
    text: said?.text ?? state.text,
    next: said?.next ?? state.next,
    technical: `${c.detail}${c.hint ? ` — ${c.hint}` : ''}`,
  };
}

/**
 * Words of the 员工管理 screen (supervisor tools, issue 16 item 7), zh-CN and English. The
 * refusals are the clerk's own words with a next step, never the server's English message.
 */
import type { Messages } from '../i18n.ts';

type StaffMsg =
  | 'staffTitle' | 'staffMenu' | 'staffHint' | 'colId' | 'colName' | 'colRole' | 'colState' | 'colWrong'
  | 'stateActive' | 'stateLocked' | 'stateInactive' | 'unlockKey' | 'resetKey' | 'deactivateKey' | 'activateKey'
  | 'newPin' | 'newPinAgain' | 'resetFor' | 'resetSubmit' | 'pinRule' | 'pinMismatch' | 'ownAccount'
  | 'doneUnlock' | 'doneReset' | 'doneDeactivate' | 'doneActivate' | 'loading' | 'refusedForbidden' | 'refusedInput'
  | 'refusedOther' | 'backKey' | 'cancelKey';

export const STAFF_WORDS: Messages<StaffMsg> = {
  zh: {
    staffTitle: '员工管理',
    staffMenu: '员工管理',
    staffHint: '↑↓ 选择员工；F2 解锁，F3 重置密码，F6 停用/启用；Esc 返回。值班长可处理柜员账户，值班长和管理员账户由管理员处理，不能处理自己的账户。',
    colId: '工号', colName: '姓名', colRole: '角色', colState: '状态', colWrong: '输错次数',
    stateActive: '正常', stateLocked: '已锁定（至 {until}）', stateInactive: '已停用',
    unlockKey: '解锁', resetKey: '重置密码', deactivateKey: '停用', activateKey: '启用',
    newPin: '新密码（4–12 位数字，由本人输入）', newPinAgain: '再次输入新密码', resetFor: '为 {name}（{id}）重置密码',
    resetSubmit: '确认重置', pinRule: '密码为 4–12 位数字', pinMismatch: '两次输入的密码不一致，请重新输入',
    ownAccount: '这是您自己的账户：请另一位值班长或管理员处理',
    doneUnlock: '已解锁 {name}（{id}），可以重新登录', doneReset: '已为 {name}（{id}）重置密码，账户已解锁',
    doneDeactivate: '已停用 {name}（{id}）：此账户不能再登录，记录保留', doneActivate: '已启用 {name}（{id}），可以登录',
    loading: '正在读取员工列表…',
    refusedForbidden: '无权处理此账户：值班长只能处理柜员账户，值班长和管理员账户请由管理员处理，自己的账户请由他人处理',
    refusedInput: '输入有误：请检查工号，新密码为 4–12 位数字',
    refusedOther: '操作未完成：请返回首页后重试，仍不行请运行自检（F6）',
    backKey: '返回', cancelKey: '取消',
  },
  en: {
    staffTitle: 'Staff',
    staffMenu: 'Staff',
    staffHint: '↑↓ choose a person; F2 unlock, F3 reset PIN, F6 deactivate/activate; Esc back. A supervisor handles a clerk\'s account, an admin a supervisor\'s or an admin\'s; nobody their own.',
    colId: 'Staff ID', colName: 'Name', colRole: 'Role', colState: 'State', colWrong: 'Wrong PINs',
    stateActive: 'active', stateLocked: 'locked (until {until})', stateInactive: 'deactivated',
    unlockKey: 'Unlock', resetKey: 'Reset PIN', deactivateKey: 'Deactivate', activateKey: 'Activate',
    newPin: 'New PIN (4–12 digits, typed by the holder)', newPinAgain: 'New PIN again', resetFor: 'Reset the PIN of {name} ({id})',
    resetSubmit: 'Reset', pinRule: 'A PIN is 4 to 12 digits', pinMismatch: 'The two PINs differ: type them again',
    ownAccount: 'This is your own account: ask another supervisor or an admin',
    doneUnlock: '{name} ({id}) unlocked: they can log in again', doneReset: 'PIN of {name} ({id}) reset; the account is unlocked',
    doneDeactivate: '{name} ({id}) deactivated: no login, records kept', doneActivate: '{name} ({id}) activated: they can log in',
    loading: 'Reading the staff list…',
    refusedForbidden: 'Not allowed for this account: a supervisor handles clerks\' accounts only, an admin handles supervisors\' and admins\'; ask someone else for your own',
    refusedInput: 'Check the input: the staff ID, and a new PIN of 4 to 12 digits',
    refusedOther: 'Not done: go back to the home screen and try again; if it persists run the self-check (F6)',
    backKey: 'Back', cancelKey: 'Cancel',
  },
};

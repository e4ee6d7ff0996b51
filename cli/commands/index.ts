/** Every `station` subcommand, in the order `station help` lists them. */
import type { CliCommand } from '../command.ts';
import { cardReadCommand } from './card.ts';
import { doctorCommand } from './doctor.ts';
import { initCommand } from './init.ts';
import { readersCommand } from './readers.ts';
import { simCommand } from './sim.ts';
import { shiftCloseCommand, shiftOpenCommand } from './shift.ts';
import { cashAcceptCommand, cashHandoverCommand, cashTransferCommand, cashWaitingCommand } from './cash.ts';
import { staffActivateCommand, staffAddCommand, staffDeactivateCommand, staffListCommand, staffResetPinCommand, staffUnlockCommand } from './staff.ts';
import { watchCommand } from './watch.ts';
import { serveCommand } from './serve.ts';
import { fareCommand } from './fare.ts';
import { ledgerExportCommand, ledgerVerifyCommand } from './ledger.ts';
import { topupCommand } from './topup.ts';
import { migrateCommand } from './migrate.ts';
import { issueCommand } from './issue.ts';
import { concessionCheckCommand, concessionVerifyCommand } from './concession.ts';
import { refundCommand } from './refund.ts';
import { lostCommand } from './lost.ts';
import { replaceCommand } from './replace.ts';
import { exchangeCommand } from './exchange.ts';
import { printerSetCommand, receiptReprintCommand } from './receipt.ts';
import { syncCommand, upstreamSetCommand } from './sync.ts';
import { keysEncryptCommand, keysImportCommand, keysShowCommand } from './keys.ts';
import { stockCountCommand, stockListCommand, stockReceiveCommand, stockReturnCommand, stockSpoilCommand } from './stock.ts';

export const commands: CliCommand[] = [
  initCommand,
  staffAddCommand,
  staffListCommand,
  staffUnlockCommand,
  staffResetPinCommand,
  staffDeactivateCommand,
  staffActivateCommand,
  doctorCommand,
  readersCommand,
  simCommand,
  cardReadCommand,
  watchCommand,
  serveCommand,
  shiftOpenCommand,
  shiftCloseCommand,
  cashHandoverCommand,
  cashTransferCommand,
  cashAcceptCommand,
  cashWaitingCommand,
  issueCommand,
  topupCommand,
  concessionCheckCommand,
  concessionVerifyCommand,
  migrateCommand,
  lostCommand,
  replaceCommand,
  exchangeCommand,
  refundCommand,
  stockReceiveCommand,
  stockSpoilCommand,
  stockReturnCommand,
  stockListCommand,
  stockCountCommand,
  ledgerVerifyCommand,
  ledgerExportCommand,
  receiptReprintCommand,
  printerSetCommand,
  fareCommand,
  syncCommand,
  upstreamSetCommand,
  keysImportCommand,
  keysEncryptCommand,
  keysShowCommand,
];

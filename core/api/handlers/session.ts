/**
 * Login, lock and the station's status (common/api.ts): the public methods a screen calls
 * before anyone is logged in (login, resume, status; core/api/sessions.ts keeps the sessions)
 * and the doctor's checks for the status bar.
 */
import type { StatusDto } from '../../../common/api.ts';
import { cityByCode } from '../../cities/index.ts';
import { runDoctor } from '../../doctor.ts';
import { defaultCityCodes } from '../../workflows/read-card.ts';
import type { ApiContext, Handlers } from '../context.ts';
import { sessionDto, type Session } from '../sessions.ts';
import { shiftOf } from './shift-day.ts';

async function status(ctx: ApiContext, session: Session | null): Promise<StatusDto> {
  const { station } = ctx;
  const unlocked = session !== null && !session.locked;
  return {
    station: { stationId: station.config.stationId, mode: station.config.mode, cityCode: station.config.cityCode, city: cityByCode(station.config.cityCode, defaultCityCodes())?.name ?? null, terminalId: station.config.terminalId },
    pcsc: ctx.panel.pcsc(),
    readers: ctx.panel.readersNow(),
    session: session ? sessionDto(session) : null,
    shift: unlocked ? await shiftOf(station, session.actor.staffId) : null,
    policy: { minTopupFen: station.policy.minTopupFen, maxBalanceFen: station.policy.maxBalanceFen },
    now: station.now().toISOString(),
  };
}

export function sessionHandlers(ctx: ApiContext): Handlers<'login' | 'resume' | 'lock' | 'logout' | 'status' | 'doctor'> {
  const { sessions } = ctx;
  return {
    login: (p, conn) => sessions.login(conn, p.staffId, p.pin),
    resume: (p, conn) => sessions.resume(conn, p.session),
    lock: (_p, conn) => sessions.lock(conn),
    logout: (_p, conn) => sessions.logout(conn),
    status: (_p, conn) => status(ctx, conn.session),
    async doctor(_p, conn) {
      sessions.actorOf(conn);
      return runDoctor(ctx.station.home, ctx.env, ctx.access);
    },
  };
}

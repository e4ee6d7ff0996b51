/**
 * What the API's handler modules (core/api/handlers/) get from the server: the station as the
 * handlers see it (its card access serialised), the sessions, the connections, the card panel
 * and the customer display. A handler answers one method of common/api.ts for one connection.
 */
import type { WebSocket } from 'ws';
import type { MethodName, Params, Result } from '../../common/api.ts';
import type { Clients } from './broadcast.ts';
import type { CardPanel } from './card-panel.ts';
import type { CustomerFeed } from './customer-feed.ts';
import type { SerialCardAccess } from './serial-card-access.ts';
import type { Conn, Sessions } from './sessions.ts';
import type { Station } from '../station.ts';
import type { LocalLab } from './handlers/lab.ts';

export interface ApiContext {
  /** Its `cards` is `access`: every card the handlers touch goes through the one queue. */
  station: Station;
  access: SerialCardAccess;
  env: NodeJS.ProcessEnv;
  sessions: Sessions;
  clients: Clients;
  panel: CardPanel;
  customer: CustomerFeed;
  /** station serve's in-process training lab, when it runs one. */
  lab?: LocalLab | undefined;
}

export type Handler<M extends MethodName> = (params: Params<M>, conn: Conn, ws: WebSocket) => Promise<Result<M>>;

/** A handler module's methods. */
export type Handlers<M extends MethodName> = { [K in M]: Handler<K> };

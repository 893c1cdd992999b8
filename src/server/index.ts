/**
 * optprov/server: the ledger over HTTP (JSON API, C2SP tlog-tiles) and a C2SP tlog-witness.
 * Each is a `fetch(Request) -> Response` app; `listen` serves one on a Node socket.
 */
export { type Access, authorise, type Permission, ROLES, type Role } from "./access.js";
export { createServer, type OptprovServer, type ServerLimits, type ServerOptions } from "./app.js";
export { errorResponse, statusOf } from "./http-error.js";
export { DEFAULT_LISTEN, type Listening, listen, parseListen } from "./listen.js";
export type { RateLimit } from "./rate-limit.js";
export { formatTilePath, parseTilePath, TILE_WIDTH, type TileRef } from "./tile-path.js";
export {
  type AddCheckpointRequest,
  createWitnessServer,
  parseAddCheckpoint,
  type WitnessedLog,
  type WitnessServerOptions,
} from "./witness-app.js";
export {
  addCheckpointBody,
  pushToWitnesses,
  requestCosignature,
  type WitnessEndpoint,
  type WitnessOutcome,
} from "./witness-client.js";

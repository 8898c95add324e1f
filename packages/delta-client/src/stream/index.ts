export type {
  AccountUpdate,
  FillUpdate,
  MarginsUpdate,
  OrderUpdate,
  PositionUpdate,
  UpdateSource,
} from './account-events.ts';
export { fillFromRest, microsOf } from './account-events.ts';
export {
  type AccountStreamState,
  DeltaAccountStream,
  type DeltaAccountStreamEvents,
  type DeltaAccountStreamOptions,
} from './account-stream.ts';
export { DeltaStreamAuthError, DeltaStreamSubscriptionError } from './errors.ts';
export { DELTA_SOCKET_HOSTS, resolveSocketUrl, type SocketHost } from './hosts.ts';
export { parseStreamMessage, type StreamMessage } from './messages.ts';
export {
  type ChannelRequest,
  DeltaSocket,
  type DeltaSocketEvents,
  type DeltaSocketOptions,
  type SocketState,
} from './socket.ts';

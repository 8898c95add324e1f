import { z } from 'zod';

/**
 * Delta's `system_status` channel: the state of the whole system (live, maintenance, api_fallback,
 * degraded_mode) and maintenance events (scheduled, started, finished, cancelled; app_status_update for a state
 * change). Tests drive it through `POST /_paper/system-status`. The status only informs: the REST side of a
 * maintenance (Delta's 503 "temporarily offline for maintenance") is simulated with `POST /_paper/faults`, which
 * a test scopes and clears, so an announced maintenance never leaves the whole API down by accident.
 */

export const ZSystemEvent = z.strictObject({
  event: z.enum([
    'maintenance_scheduled',
    'maintenance_started',
    'maintenance_finished',
    'maintenance_cancelled',
    'app_status_update',
  ]),
  /** For app_status_update: the new state. */
  status: z.enum(['live', 'api_fallback', 'degraded_mode']).optional(),
  /** Epoch microseconds (estimates, as Delta says). */
  maintenance_start_time: z.number().int().min(0).max(8_640_000_000_000_000).optional(),
  maintenance_finish_time: z.number().int().min(0).max(8_640_000_000_000_000).optional(),
});
export type SystemEvent = z.infer<typeof ZSystemEvent>;

export type SystemState = 'live' | 'maintenance' | 'api_fallback' | 'degraded_mode';

export interface SystemStatusMessage {
  type: 'system_status';
  event: string;
  status: SystemState;
  maintenance_start_time: number | null;
  maintenance_announcement_time: number | null;
  maintenance_finish_time: number | null;
  timestamp: number;
}

export class SystemStatus {
  state: SystemState = 'live';
  private start: number | null = null;
  private finish: number | null = null;
  private announced: number | null = null;
  private readonly listeners: ((m: SystemStatusMessage) => void)[] = [];

  onChange(l: (m: SystemStatusMessage) => void): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  message(event: string): SystemStatusMessage {
    return {
      type: 'system_status',
      event,
      status: this.state,
      maintenance_start_time: this.start,
      maintenance_announcement_time: this.announced,
      maintenance_finish_time: this.finish,
      timestamp: Date.now() * 1000,
    };
  }

  apply(e: SystemEvent): SystemStatusMessage {
    const now = Date.now() * 1000;
    if (e.maintenance_start_time !== undefined) this.start = e.maintenance_start_time;
    if (e.maintenance_finish_time !== undefined) this.finish = e.maintenance_finish_time;
    switch (e.event) {
      case 'maintenance_scheduled':
        this.announced = now;
        this.start ??= now + 3_600_000_000;
        this.finish ??= this.start + 1_800_000_000;
        break;
      case 'maintenance_started':
        this.state = 'maintenance';
        this.start = e.maintenance_start_time ?? now;
        break;
      case 'maintenance_finished':
      case 'maintenance_cancelled':
        this.state = 'live';
        break;
      case 'app_status_update':
        this.state = e.status ?? 'live';
        break;
    }
    const m = this.message(e.event);
    for (const l of this.listeners) l(m);
    return m;
  }
}

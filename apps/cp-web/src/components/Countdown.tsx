import { countdown, useNow } from '@delta/web-ui';

/** A live countdown to `until` (ISO time); "expired" once it passes. */
export function Countdown({ until, label = 'Expires in' }: { until: string; label?: string }) {
  const now = useNow();
  const left = Math.max(0, Math.floor((Date.parse(until) - now) / 1000));
  return (
    <span className={`countdown${left <= 60 ? ' urgent' : ''}`} data-testid="countdown" role="timer">
      {left > 0 ? `${label} ${countdown(left)}` : 'Expired'}
    </span>
  );
}

export function secondsLeft(until: string, now: number): number {
  return Math.max(0, Math.floor((Date.parse(until) - now) / 1000));
}

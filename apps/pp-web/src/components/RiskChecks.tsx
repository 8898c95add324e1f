import type { TRiskCheck } from '@delta/contracts';
import { humanize } from '@delta/web-ui';

export function RiskChecks({ checks }: { checks: TRiskCheck[] }) {
  if (checks.length === 0) return <p className="muted">No risk checks were run.</p>;
  return (
    <ul className="risk-checks" aria-label="Risk checks">
      {checks.map((c) => (
        <li key={c.check} className={c.passed ? 'pass' : 'fail'}>
          <span className="badge" aria-hidden="true">
            {c.passed ? '✓' : '✗'}
          </span>
          <span>
            <strong>{humanize(c.check)}</strong> — {c.passed ? 'passed' : 'failed'}: {c.reason}
          </span>
        </li>
      ))}
    </ul>
  );
}

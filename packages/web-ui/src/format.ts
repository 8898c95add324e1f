/** Display helpers. Amounts arrive as decimal strings; they are only formatted here, never computed with. */

export function groupDigits(decimal: string): string {
  const [int = '', frac] = decimal.split('.');
  const neg = int.startsWith('-');
  const digits = neg ? int.slice(1) : int;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

export function inr(decimal: string): string {
  return `₹${groupDigits(decimal)}`;
}

export function usd(decimal: string): string {
  return `$${groupDigits(decimal)}`;
}

export function dateTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const d = typeof iso === 'number' ? new Date(iso > 1e14 ? iso / 1000 : iso) : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString('en-IN', { dateStyle: 'medium', timeStyle: 'medium' });
}

export function countdown(seconds: number): string {
  if (seconds <= 0) return 'expired';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}

export function humanize(code: string): string {
  return code.replace(/_/g, ' ');
}

import { href } from '../lib/hash-route.ts';

/** A correlation id is the key to one request's whole story: it opens the Audit page filtered by it. */
export function CorrelationLink({ id }: { id: string }) {
  return (
    <a
      className="mono"
      href={href('audit', { correlation_id: id })}
      title="Show this request on the Audit page"
    >
      {id}
    </a>
  );
}

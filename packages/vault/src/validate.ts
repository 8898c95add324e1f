import { AppError } from '@delta/server-kit';
import type { z } from 'zod';

/** zod parse whose failure is our 422 AppError with field paths (never the offending values). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw AppError.validation(
    result.error.issues.map((i) => ({
      path: i.path.join('.') || '(root)',
      code: i.code,
      message: i.message,
    })),
    `The ${what} is invalid.`,
  );
}

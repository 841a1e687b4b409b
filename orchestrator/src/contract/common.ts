import { z } from 'zod';

/** RFC 1123 label: what Kubernetes, DNS and our manifests accept as a name. */
export const DnsLabel = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a DNS label: lowercase letters, digits and "-", starting and ending with a letter or digit',
  );

export const Timestamp = z.iso.datetime({ offset: true }).meta({ description: 'RFC 3339 time' });

/** One page of a list; pass `nextCursor` back as `cursor` for the next one. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(512).optional(),
});

/** RFC 9457 problem details; `errors` lists every failing field when the request was invalid. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;
export type FieldError = { path: string; message: string };

import { z } from 'zod';

const flag = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
  return v;
}, z.boolean());

/** Ownership settings: where the registry is and whether anonymous senders are let in. */
export const ownershipConfigSchema = z
  .object({
    /** Path of the service-identity registry (YAML). */
    registry: z.string().min(1).optional(),
    /** Accept exports without a known bearer token (for local trials); such calls are unallocated. */
    allowUnauthenticated: flag.default(false),
    /** How often the registry file is checked for changes. */
    registryPollMs: z.coerce.number().int().min(0).default(1000),
  })
  .strict();

export type OwnershipConfig = z.infer<typeof ownershipConfigSchema>;

import { z } from 'zod';
import { Timestamp } from './common.ts';

/** Artifact names allow dots for file-like names such as `fix44.xml`. */
export const ArtifactName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be lowercase letters, digits, "-" and ".", starting and ending with a letter or digit');

export const ArtifactVersion = z
  .object({
    name: ArtifactName,
    version: z.number().int().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size: z.number().int(),
    contentType: z.string(),
    createdBy: z.string(),
    createdAt: Timestamp,
  })
  .meta({ id: 'ArtifactVersion' });
export type ArtifactVersion = z.infer<typeof ArtifactVersion>;

export const Artifact = ArtifactVersion.extend({
  versions: z.number().int(),
  referencedBy: z.array(z.object({ id: z.uuid(), name: z.string() })),
}).meta({ id: 'Artifact' });
export type Artifact = z.infer<typeof Artifact>;

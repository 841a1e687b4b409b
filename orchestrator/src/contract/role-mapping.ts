import { z } from 'zod';
import { Timestamp } from './common.ts';

/** The roles a person can be given. `pod` is not among them: pods get it from their own credential. */
export const PERSON_ROLES = ['viewer', 'operator', 'engineer', 'admin'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

export const MAX_ROLE_MAPPING_ENTRIES = 1_000;

const PersonRoleName = z.enum(PERSON_ROLES, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a Crosswire role a person can have: use viewer, operator, engineer or admin`,
});

export const RoleMappingEntry = z
  .strictObject({
    claimValue: z.string().max(256, 'must be at most 256 characters').meta({ description: 'A value of the roles claim: an IdP group or role name' }),
    roles: z
      .array(PersonRoleName)
      .min(1, 'must name at least one role; remove the entry to map the value to nothing')
      .max(PERSON_ROLES.length)
      .meta({ description: 'Crosswire roles the value grants; each includes those below it (viewer < operator < engineer < admin)' }),
  })
  .meta({ id: 'RoleMappingEntry' });
export type RoleMappingEntry = z.infer<typeof RoleMappingEntry>;

export const RoleMapping = z
  .object({
    version: z.number().int().min(0).meta({ description: 'The ETag; 0 while nothing is stored and AUTH_ROLE_MAP is in force' }),
    source: z.enum(['environment', 'stored']).meta({ description: 'Where the mapping in force comes from' }),
    rolesClaim: z.string().meta({ description: 'The token claim whose values are mapped (AUTH_ROLES_CLAIM)' }),
    entries: z.array(RoleMappingEntry).meta({ description: 'By claim value. A value without an entry that equals a role name grants that role' }),
    podClaimValues: z.array(z.string()).meta({ description: 'Values AUTH_ROLE_MAP maps to the pod role: always in force, not editable here' }),
    updatedAt: Timestamp.nullable(),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: 'RoleMapping' });
export type RoleMapping = z.infer<typeof RoleMapping>;

export const ReplaceRoleMapping = z
  .strictObject({ entries: z.array(RoleMappingEntry).max(MAX_ROLE_MAPPING_ENTRIES, `must have at most ${MAX_ROLE_MAPPING_ENTRIES} entries`) })
  .meta({ id: 'ReplaceRoleMapping' });
export type ReplaceRoleMapping = z.infer<typeof ReplaceRoleMapping>;

/** The demo users of the development IdP: one per role, the password equal to the username. */
export const DEMO_ROLES = ['viewer', 'operator', 'engineer', 'admin'] as const;
export type DemoRole = (typeof DEMO_ROLES)[number];

export interface DemoUser {
  username: string;
  password: string;
  name: string;
  roles: string[];
}

export function demoUsers(): DemoUser[] {
  return DEMO_ROLES.map((role) => ({
    username: role,
    password: role,
    name: `Demo ${role}`,
    roles: [role],
  }));
}

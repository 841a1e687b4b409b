/** Routes: every route whose own conditions hold takes the message; each channel receives it once. */
import type { Route } from './spec.ts';
import { allHold, compileCondition, type CompiledCondition } from './conditions.ts';
import type { FieldNames } from './fields.ts';
import type { Message } from './message.ts';

export interface CompiledRoute {
  readonly channel: string;
  readonly when: readonly CompiledCondition[];
}

export function compileRoute(spec: Route, path: string): CompiledRoute {
  return { channel: spec.channel, when: (spec.when ?? []).map((c, i) => compileCondition(c, `${path}.when[${i}]`)) };
}

/** Which routes take the message, in declaration order, one entry per route. */
export function matchRoutes(routes: readonly CompiledRoute[], message: Message, names: FieldNames): boolean[] {
  return routes.map((route) => allHold(route.when, message, names));
}

/** The distinct channels of the routes that matched, in declaration order. */
export function chosenChannels(routes: readonly CompiledRoute[], matched: readonly boolean[]): string[] {
  return [...new Set(routes.filter((_, i) => matched[i]).map((r) => r.channel))];
}

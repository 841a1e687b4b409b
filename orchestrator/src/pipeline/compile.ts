/** A pipeline spec made ready to run: references parsed and patterns compiled, once. */
import type { Pipeline } from './spec.ts';
import { compileCondition, type CompiledCondition } from './conditions.ts';
import { compileRoute, type CompiledRoute } from './routes.ts';
import { compileTransform, type CompiledTransform } from './transforms.ts';

export interface CompiledPipeline {
  readonly filters: readonly CompiledCondition[];
  readonly transforms: readonly CompiledTransform[];
  readonly routes: readonly CompiledRoute[];
  readonly deadLetterChannel: string | undefined;
}

/** Throws `PipelineSpecError` naming the first step that cannot run (for example `transforms[2].field`). */
export function compilePipeline(spec: Pipeline): CompiledPipeline {
  return {
    filters: (spec.filters ?? []).map((c, i) => compileCondition(c, `filters[${i}]`)),
    transforms: (spec.transforms ?? []).map((t, i) => compileTransform(t, `transforms[${i}]`)),
    routes: (spec.routes ?? []).map((r, i) => compileRoute(r, `routes[${i}]`)),
    deadLetterChannel: spec.deadLetterChannel,
  };
}

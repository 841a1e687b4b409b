/**
 * The pipeline engine: pure functions over the shared message model. Lives in the orchestrator so the
 * control plane validates and tries pipelines with the same code the adapter runs.
 */
export * from './message.ts';
export { fieldNamesOf, noFieldNames, parseFieldRef, readField, writeField, removeField, FieldError, type FieldNames, type FieldRef } from './fields.ts';
export { compileCondition, allHold, type CompiledCondition } from './conditions.ts';
export { scalarEquals, scalarText, type Scalar } from './values.ts';
export { compileTransform, referenceIdOf, TransformError, type CompiledTransform } from './transforms.ts';
export { compileRoute, matchRoutes, chosenChannels, type CompiledRoute } from './routes.ts';
export { compilePipeline, type CompiledPipeline } from './compile.ts';
export { runPipeline, deliveriesOf, DEAD_LETTER_REASON, type Delivery, type PipelineOutcome } from './run.ts';
export { countOutcome, ZERO_COUNTS, type PipelineCounts } from './stats.ts';
export { tryPipeline, type TryResult, type TryStep } from './try.ts';
export { parsePastedMessage, PastedMessageError } from './pasted.ts';
export { PipelineSpecError, type Pipeline, type Condition, type Transform, type Route } from './spec.ts';

/** The message model, kept at this path for the adapter modules that import it directly (the engine lives in the orchestrator). */
export { fixOriginSession, originKey, type FieldPair, type JsonValue, type Message, type MessageBody, type MessageOrigin } from '@crosswire/orchestrator/pipeline';

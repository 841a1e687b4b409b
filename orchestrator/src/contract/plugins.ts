/**
 * A connector type ("plugin") as the orchestrator knows it: a JSON Schema for its config plus UI hints.
 *
 * UI hints are schema keywords the orchestrator ignores when validating and the portal reads when drawing forms:
 * - `x-order` (number): position of a property in its form section, lowest first.
 * - `x-section-title` (string): on an object property, draws it as a titled section.
 * - `x-advanced` (boolean): folded under "Advanced" by default.
 * - `x-visible-if` ({ "<sibling property>": value | value[] }): shown only when a sibling matches.
 * - `x-widget`: `password` | `switch` | `textarea` | `select` | `artifact` (value is an artifact name,
 *   optionally `name@version`).
 * - `x-secret` (boolean): write-only value; stored encrypted or as `{ "secretRef": { "name", "key" } }`,
 *   never returned, logged, exported or put in an event.
 */
export interface PluginManifest {
  /** The connector type, a DNS label such as `fix-initiator`. */
  type: string;
  title: string;
  description: string;
  /** Semantic version of the plugin's config contract. */
  version: string;
  /** Where the connector's traffic flows. */
  direction: 'inbound' | 'outbound' | 'bidirectional';
  /**
   * True when a session must never run on two pods at once (a FIX session, a listening port): such an
   * adapter can only run in `single` or `active_passive` mode.
   */
  exclusive: boolean;
  /** JSON Schema (draft 2020-12 or draft-07) of `connector.config`, with the UI hints above. */
  configSchema: JsonSchema;
}

/** A JSON Schema document. Kept open: plugins may use any keyword of their draft plus the `x-` hints. */
export type JsonSchema = { [keyword: string]: unknown };

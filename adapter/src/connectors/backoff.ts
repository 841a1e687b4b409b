/** Waiting between reconnect attempts, shared by the connectors that dial out (ws-initiator, NATS). */

/** The wait before reconnect attempt `attempt` (0-based): doubling up to the cap, then half of it random. */
export function reconnectDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(Math.max(baseMs, maxMs), baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

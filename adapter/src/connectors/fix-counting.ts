import type { FixApplication } from '../fix/index.ts';
import type { ConnectorContext } from './connector.ts';

/** Reject (35=3) and BusinessMessageReject (35=j): what we send when we refuse a message. */
const REJECTS: ReadonlySet<string> = new Set(['3', 'j']);

/**
 * The application, also counting every message its sessions read and write for the adapter's
 * counters: admin messages included, a Reject or BusinessMessageReject we send and a garbled message
 * we receive also counted as rejected.
 */
export function countingApplication(application: FixApplication, context: ConnectorContext): FixApplication {
  const count = context.count;
  if (!count) return application;
  return {
    ...application,
    onTraffic: (event, msgType, bytes) => {
      if (event === 'sent') {
        count('out');
        if (REJECTS.has(msgType)) count('rejected');
      } else {
        count('in');
        if (event === 'garbled') count('rejected');
      }
      application.onTraffic?.(event, msgType, bytes);
    },
  };
}

/**
 * The application, also handing every message its sessions read and write to the adapter's message
 * trace while an operator traces it (the trace masks and bounds them).
 */
export function tracingApplication(application: FixApplication, context: ConnectorContext): FixApplication {
  const trace = context.trace;
  if (!trace) return application;
  return {
    ...application,
    onTraffic: (event, msgType, bytes) => {
      if (trace.active) trace.fix(event === 'sent' ? 'out' : 'in', bytes, event === 'garbled');
      application.onTraffic?.(event, msgType, bytes);
    },
  };
}

/**
 * Gives every connector the `replay-dead-letters` action: the worker hands actions to the running
 * connector, and replay is the same for all of them (read the adapter's dead letters, run the current
 * pipeline, append under the lease), so it wraps the factories instead of living in each connector.
 */
import type { AdapterSpec } from '@crosswire/orchestrator/contract';
import { describeReplay, replayDeadLetters, type PostgresChannelStore } from '../channels/index.ts';
import { loadDictionaryFile } from '../fix/index.ts';
import { compilePipeline, fieldNamesOf, noFieldNames, type FieldNames } from '../pipeline/index.ts';
import type { ConnectorFactory, RunningConnector } from './connector.ts';
import { standardDictionaryPath } from './fix-dictionaries.ts';

/** FIX adapters' pipelines may name fields (`ClOrdID`): resolve them with the session's standard dictionary. */
async function fieldNamesFor(spec: AdapterSpec): Promise<FieldNames> {
  if (!spec.connector.type.startsWith('fix-')) return noFieldNames;
  const config = spec.connector.config as { session?: { beginString?: string }; sessions?: Array<{ beginString?: string }> };
  const path = standardDictionaryPath(config.session?.beginString ?? config.sessions?.[0]?.beginString ?? 'FIX.4.4') ?? standardDictionaryPath('FIX.4.4')!;
  return fieldNamesOf(await loadDictionaryFile(path));
}

function replayParams(params: Record<string, unknown>): { channel: string; offsets?: number[] } {
  const { channel, offsets } = params;
  if (typeof channel !== 'string') throw new Error('the replay names no dead-letter channel');
  if (offsets !== undefined && !(Array.isArray(offsets) && offsets.every((o) => Number.isSafeInteger(o)))) throw new Error('offsets must be whole numbers');
  return offsets === undefined ? { channel } : { channel, offsets: offsets as number[] };
}

export function withDeadLetterReplay(factory: ConnectorFactory, store: PostgresChannelStore): ConnectorFactory {
  return async (context) => {
    const running = await factory(context);
    const wrapped: RunningConnector = {
      get listeningPorts() {
        return running.listeningPorts;
      },
      stop: (mode) => running.stop(mode),
      act: async (kind, params) => {
        if (kind !== 'replay-dead-letters') return running.act(kind, params);
        const pipeline = context.spec.pipeline;
        if (!pipeline?.deadLetterChannel) throw new Error('this adapter parks nothing: its pipeline has no deadLetterChannel');
        const request = replayParams(params);
        if (request.channel !== pipeline.deadLetterChannel) {
          throw new Error(`the adapter's dead-letter channel is now ${pipeline.deadLetterChannel}, not ${request.channel}: ask again`);
        }
        const result = await replayDeadLetters(store, context.lease, compilePipeline(pipeline), await fieldNamesFor(context.spec), request);
        const detail = describeReplay(request, result);
        context.emit({ level: 'info', category: 'action', message: detail, details: { ...result } });
        return detail;
      },
    };
    return wrapped;
  };
}

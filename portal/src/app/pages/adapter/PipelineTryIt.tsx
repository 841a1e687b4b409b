import { useMutation } from '@tanstack/react-query';
import type { PipelineTryResult, PipelineTryStep, TryMessage } from '@crosswire/orchestrator/contract';
import { useId, useState, type ReactNode } from 'react';
import { api, ApiError, type FieldError } from '../../api.ts';
import { ErrorState } from '../../components/States.tsx';
import { fixText, specOf, type PipelineDraft } from '../../pipeline-draft.ts';
import { Messages } from './PipelineRows.tsx';

function shownBody(message: TryMessage): string {
  return message.body.kind === 'fix' ? fixText(message.body.fields) : JSON.stringify(message.body.value, null, 2);
}

function stepLabel(step: PipelineTryStep): string {
  if (step.step === 'filter') return `Filter ${step.index + 1} (${step.spec.field} ${step.spec.op})`;
  if (step.step === 'transform') return `Transform ${step.index + 1} (${step.spec.op} ${step.spec.field})`;
  return `Route ${step.index + 1} to ${step.channel}`;
}

function stepResult(step: PipelineTryStep): ReactNode {
  if (step.step === 'filter') return step.passed ? 'passed' : 'failed: the message is dropped';
  if (step.step === 'route') return step.matched ? 'matched' : 'did not match';
  if ('error' in step) return <span className="level-error">failed: {step.error}</span>;
  return <pre className="message-body">{shownBody(step.output)}</pre>;
}

function outcomeText(result: PipelineTryResult): string {
  const { outcome, deliveries } = result;
  const parked = deliveries[0]?.channel;
  switch (outcome.kind) {
    case 'filtered':
      return `Dropped by filter ${(outcome.filter ?? 0) + 1}.`;
    case 'routed':
      return `Delivered to ${deliveries.map((d) => d.channel).join(', ')}.`;
    case 'unrouted':
      return parked ? `No route took it: parked in ${parked}.` : 'No route took it, and there is no dead-letter channel: it would be counted and dropped.';
    case 'failed':
      return `Transform ${(outcome.transform ?? 0) + 1} failed (${outcome.reason ?? ''}): ${parked ? `parked in ${parked}` : 'no dead-letter channel, so it would be dropped'}.`;
  }
}

const SAMPLE = '8=FIX.4.4|35=D|11=ORD-1|55=EUR/USD|54=1|38=100|40=2|44=1.0850';

/** Runs a pasted message through the pipeline as the form shows it; the server runs the adapter's own engine. */
export function TryIt({ pipeline, onErrors }: { pipeline: PipelineDraft; onErrors: (errors: FieldError[]) => void }) {
  const [message, setMessage] = useState('');
  const id = useId();
  const run = useMutation({
    mutationFn: () => api.post<PipelineTryResult>('/api/v1/pipelines/try', { pipeline: specOf(pipeline), message }),
    onMutate: () => onErrors([]),
    onError: (error) => {
      if (error instanceof ApiError) onErrors(error.errors);
    },
  });
  const messageErrors = run.error instanceof ApiError ? run.error.errors.filter((e) => e.path === '/message').map((e) => e.message) : [];
  const result = run.data;
  return (
    <section aria-labelledby={`${id}-title`} className="try-it">
      <h3 id={`${id}-title`}>Try it</h3>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-message`}>Message</label>
          <textarea
            id={`${id}-message`}
            rows={4}
            value={message}
            placeholder={SAMPLE}
            spellCheck={false}
            aria-describedby={`${id}-help${messageErrors.length ? ` ${id}-error` : ''}`}
            aria-invalid={messageErrors.length > 0 || undefined}
            onChange={(e) => setMessage(e.target.value)}
          />
          <p id={`${id}-help`} className="help">
            FIX tag=value fields separated by | or SOH, or a JSON document. Nothing is sent anywhere: the steps below show what the adapter would do. Use tag numbers for FIX
            fields here: the orchestrator has no FIX data dictionary to look names up.
          </p>
          <Messages id={`${id}-error`} messages={messageErrors} />
        </div>
        <button type="submit" disabled={run.isPending}>
          {run.isPending ? 'Running…' : 'Run through the pipeline'}
        </button>
      </form>
      {run.isError && run.error instanceof ApiError && run.error.errors.length > 0 && (
        <p role="alert" className="banner error">
          {run.error.detail}: the fields are marked above.
        </p>
      )}
      {run.isError && !(run.error instanceof ApiError && run.error.errors.length > 0) && <ErrorState error={run.error} />}
      {result && (
        <div role="status" aria-live="polite" className="try-result">
          <p>
            <strong>{outcomeText(result)}</strong>
          </p>
          {result.warnings.length > 0 && (
            <ul className="try-warnings">
              {result.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          <ol className="try-steps">
            {result.steps.map((step) => (
              <li key={`${step.step}-${step.index}`}>
                <strong>{stepLabel(step)}</strong>: {stepResult(step)}
              </li>
            ))}
          </ol>
          {result.deliveries.length > 0 && (
            <>
              <h4>Delivered</h4>
              <ul>
                {result.deliveries.map((d) => (
                  <li key={d.channel}>
                    {d.channel}: <pre className="message-body">{shownBody(d.message)}</pre>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}

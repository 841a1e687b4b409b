import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Action, Adapter } from '@crosswire/orchestrator/contract';
import { useEffect, useId, useRef, useState } from 'react';
import { api, apiPath, hasRole, type Me } from '../../api.ts';
import { ErrorState } from '../../components/States.tsx';

type Pending = { kind: 'reset-session' } | { kind: 'set-sequence-numbers'; sender?: number; target?: number };

/** Operator actions on the running session, each after a confirmation: reset, set sequence numbers (FIX). */
export function SessionActions({ adapter, me }: { adapter: Adapter; me: Me | undefined }) {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<Pending>();
  const [sender, setSender] = useState('');
  const [target, setTarget] = useState('');
  const [queued, setQueued] = useState<string>();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const ids = { sender: useId(), target: useId() };
  const isFix = adapter.connector.type.startsWith('fix-');
  const act = useMutation({
    mutationFn: (p: Pending) =>
      api.post<Action>(
        apiPath('adapters', adapter.name, p.kind),
        p.kind === 'reset-session' ? undefined : { ...(p.sender ? { nextSenderSeqNum: p.sender } : {}), ...(p.target ? { nextTargetSeqNum: p.target } : {}) },
      ),
    onSuccess: (action) => {
      setPending(undefined);
      setQueued(
        `${action.kind === 'reset-session' ? 'Session reset' : 'New sequence numbers'} requested (action ${action.id}): ${
          adapter.status.holders.length ? 'the holder applies it on its next heartbeat' : 'the next pod to hold the adapter applies it'
        }.`,
      );
      void queryClient.invalidateQueries({ queryKey: ['events', adapter.name] });
    },
  });
  useEffect(() => {
    if (pending) confirmRef.current?.focus();
  }, [pending]);
  if (!me || !hasRole(me, 'operator')) return null;

  const seq = (text: string) => (text.trim() === '' ? undefined : Number(text));
  const seqValid = (text: string) => text.trim() === '' || (/^\d+$/.test(text.trim()) && Number(text) >= 1 && Number(text) <= 2 ** 31 - 1);
  const canSet = (sender.trim() !== '' || target.trim() !== '') && seqValid(sender) && seqValid(target);

  return (
    <section aria-labelledby="session-title" className="panel">
      <h2 id="session-title">Session</h2>
      {queued && (
        <p role="status" className="banner ok">
          {queued}
        </p>
      )}
      {act.isError && <ErrorState error={act.error} />}
      {pending ? (
        <div className="confirm" role="group" aria-labelledby="session-confirm-text">
          <p id="session-confirm-text">
            {pending.kind === 'reset-session'
              ? `Reset the session of ${adapter.name}? Both sequence numbers go back to 1 and the stored messages are cleared; the counterparty must reset too.`
              : `Set the sequence numbers of ${adapter.name}?${pending.sender ? ` Next sent: ${pending.sender}.` : ''}${pending.target ? ` Next expected: ${pending.target}.` : ''}`}
          </p>
          <button ref={confirmRef} type="button" className="danger" disabled={act.isPending} onClick={() => act.mutate(pending)}>
            {act.isPending ? 'Working…' : pending.kind === 'reset-session' ? 'Yes, reset the session' : 'Yes, set the sequence numbers'}
          </button>{' '}
          <button type="button" onClick={() => setPending(undefined)} disabled={act.isPending}>
            Cancel
          </button>
        </div>
      ) : (
        <div className="session-actions">
          <button type="button" onClick={() => (act.reset(), setQueued(undefined), setPending({ kind: 'reset-session' }))}>
            Reset session
          </button>
          {isFix && (
            <form
              className="filters"
              aria-label="Set sequence numbers"
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                if (!canSet) return;
                act.reset();
                setQueued(undefined);
                setPending({ kind: 'set-sequence-numbers', sender: seq(sender), target: seq(target) });
              }}
            >
              <div className="field">
                <label htmlFor={ids.sender}>Next sender sequence number</label>
                <input id={ids.sender} type="number" min={1} inputMode="numeric" value={sender} onChange={(e) => setSender(e.target.value)} aria-invalid={seqValid(sender) ? undefined : true} />
              </div>
              <div className="field">
                <label htmlFor={ids.target}>Next target sequence number</label>
                <input id={ids.target} type="number" min={1} inputMode="numeric" value={target} onChange={(e) => setTarget(e.target.value)} aria-invalid={seqValid(target) ? undefined : true} />
              </div>
              <button type="submit" disabled={!canSet}>
                Set sequence numbers
              </button>
            </form>
          )}
        </div>
      )}
    </section>
  );
}

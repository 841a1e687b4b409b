import type { AdapterState } from '@crosswire/orchestrator/contract';

/** Colour plus the word: the state never depends on colour alone. */
export function StatusBadge({ state, reason }: { state: AdapterState; reason?: string | null }) {
  return (
    <span className={`badge status-${state.toLowerCase()}`} title={reason ?? undefined}>
      <span className="dot" aria-hidden="true" />
      {state}
    </span>
  );
}

export function AdminBadge({ enabled }: { enabled: boolean }) {
  return <span className={`badge admin-${enabled ? 'enabled' : 'disabled'}`}>{enabled ? 'Enabled' : 'Disabled'}</span>;
}

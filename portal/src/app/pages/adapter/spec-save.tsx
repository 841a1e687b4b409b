/**
 * Saving a new revision of an adapter's spec from an editor (configuration, pipeline): If-Match with the
 * revision the edit started from, field errors kept for the form, and a conflict (412) kept with both
 * revision numbers so the editor can offer to keep the draft on top of theirs or load theirs.
 */
import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import type { Adapter, FieldError } from '@crosswire/orchestrator/contract';
import { useEffect, useRef, useState, type RefObject } from 'react';
import { api, ApiError, apiPath } from '../../api.ts';
import { ErrorState } from '../../components/States.tsx';
import { DiffView } from './Revisions.tsx';

export interface SpecConflict {
  /** The revision the draft started from. */
  base: number;
  /** The revision someone else saved meanwhile. */
  current: number;
}

export interface SpecSaveRequest {
  spec: unknown;
  baseRevision: number;
}

export interface SpecSave {
  save: UseMutationResult<Adapter, Error, SpecSaveRequest>;
  errors: FieldError[];
  setErrors: (errors: FieldError[]) => void;
  conflict: SpecConflict | undefined;
  setConflict: (conflict: SpecConflict | undefined) => void;
  /** Focused when a conflict appears, so a screen reader announces it. */
  conflictRef: RefObject<HTMLDivElement | null>;
}

export function useSpecSave(adapter: Adapter, options: { onSaved: (updated: Adapter) => void; alsoInvalidate?: readonly string[] }): SpecSave {
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [conflict, setConflict] = useState<SpecConflict>();
  const conflictRef = useRef<HTMLDivElement>(null);
  const save = useMutation({
    mutationFn: ({ spec, baseRevision }: SpecSaveRequest) =>
      api.put<Adapter>(apiPath('adapters', adapter.name), spec, { headers: { 'If-Match': `"${baseRevision}"` } }),
    onSuccess: (updated) => {
      queryClient.setQueryData(['adapter', adapter.name], updated);
      for (const key of ['revisions', 'events']) void queryClient.invalidateQueries({ queryKey: [key, adapter.name] });
      for (const key of options.alsoInvalidate ?? []) void queryClient.invalidateQueries({ queryKey: [key] });
      options.onSaved(updated);
    },
    onError: (error, { baseRevision }) => {
      if (!(error instanceof ApiError)) return;
      if (error.status === 412) {
        const current = typeof error.body.currentRevision === 'number' ? error.body.currentRevision : adapter.revision;
        setConflict({ base: baseRevision, current });
        void queryClient.invalidateQueries({ queryKey: ['adapter', adapter.name] });
      } else setErrors(error.errors);
    },
  });
  useEffect(() => {
    if (conflict) conflictRef.current?.focus();
  }, [conflict]);
  return { save, errors, setErrors, conflict, setConflict, conflictRef };
}

/** A draft is not lost to a reload or a closed tab without the browser asking first. */
export function useUnsavedWarning(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [active]);
}

/** Someone saved first: what happened, what they changed, and the two ways on. */
export function ConflictBanner({
  adapter,
  conflict,
  conflictRef,
  draftName,
  onKeep,
  onDiscard,
}: {
  adapter: Adapter;
  conflict: SpecConflict;
  conflictRef: RefObject<HTMLDivElement | null>;
  /** What the user keeps, as the banner says it: "edits", "pipeline". */
  draftName: string;
  onKeep: () => void;
  onDiscard: () => void;
}) {
  const [showTheirs, setShowTheirs] = useState(false);
  return (
    <div role="alert" className="banner conflict" tabIndex={-1} ref={conflictRef}>
      <p>
        <strong>Someone else saved first.</strong> {adapter.name} is now at revision {conflict.current}; you started from revision {conflict.base}. Nothing of yours was
        saved, and your {draftName} {draftName.endsWith('s') ? 'are' : 'is'} still in the form below.
      </p>
      <p>
        <button type="button" className="link" onClick={() => setShowTheirs((s) => !s)} aria-expanded={showTheirs}>
          {showTheirs ? 'Hide' : 'Show'} what changed in revision {conflict.current}
        </button>
      </p>
      {showTheirs && <DiffView name={adapter.name} from={conflict.base} to={conflict.current} />}
      <button type="button" className="primary" onClick={onKeep}>
        Keep my {draftName} on top of revision {conflict.current}
      </button>{' '}
      <button type="button" onClick={onDiscard}>
        Discard my edits and load revision {conflict.current}
      </button>
    </div>
  );
}

/** A refused save that is neither a conflict nor field errors (those show where they belong). */
export function SaveFailure({ save }: { save: SpecSave['save'] }) {
  if (!save.isError) return null;
  const error = save.error;
  if (error instanceof ApiError && error.errors.length > 0) {
    return (
      <p role="alert" className="banner error">
        {error.detail}
      </p>
    );
  }
  if (error instanceof ApiError && error.status === 412) return null;
  return <ErrorState error={error} />;
}

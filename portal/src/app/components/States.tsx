import { ApiError } from '../api.ts';

export function LoadingState({ label }: { label: string }) {
  return (
    <p role="status" className="state loading">
      {label}
    </p>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof ApiError ? `${error.title}: ${error.detail}` : error instanceof Error ? error.message : 'something went wrong';
  return (
    <div role="alert" className="state error">
      <p>{message}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function EmptyState({ children }: { children: React.ReactNode }) {
  return <p className="state empty">{children}</p>;
}

import { useMutation } from '@tanstack/react-query';
import { ApiError } from '../api.ts';
import { downloadFrom } from '../download.ts';

/** A button that downloads `path` (a zip bundle), saying why when the server refuses. */
export function DownloadButton({ path, fallbackName, label, className }: { path: string; fallbackName: string; label: string; className?: string }) {
  const download = useMutation({ mutationFn: () => downloadFrom(path, fallbackName) });
  return (
    <span className="download">
      <button type="button" className={className} onClick={() => download.mutate()} disabled={download.isPending}>
        {download.isPending ? 'Downloading…' : label}
      </button>
      {download.isError && (
        <span role="alert" className="field-error">
          {' '}
          Download failed: {download.error instanceof ApiError ? download.error.detail : download.error.message}
        </span>
      )}
    </span>
  );
}

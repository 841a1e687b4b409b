import { useMutation } from '@tanstack/react-query';
import type { ManifestExport } from '@crosswire/orchestrator/contract';
import { api, ApiError } from '../../api.ts';
import { saveFile } from '../../download.ts';

/**
 * Downloads this adapter's manifest: the one canonical JSON file a team commits to Git. Artifacts it
 * names are separate manifests (export it from the adapters list to get them in a zip).
 */
export function ExportManifest({ name }: { name: string }) {
  const exportOne = useMutation({
    mutationFn: async () => {
      const exported = await api.get<ManifestExport>(`/api/v1/manifests?names=${encodeURIComponent(name)}`);
      const item = exported.items.find((i) => i.kind === 'Adapter' && i.name === name);
      if (!item) throw new Error(`the export did not include ${name}`);
      saveFile(item.file.split('/').pop()!, new Blob([item.text], { type: 'application/json' }));
      return exported.warnings.filter((w) => w.file === item.file);
    },
  });
  return (
    <div className="export-manifest">
      <button type="button" onClick={() => exportOne.mutate()} disabled={exportOne.isPending}>
        Export manifest
      </button>
      {exportOne.isError && (
        <p role="alert" className="field-error">
          Export failed: {exportOne.error instanceof ApiError ? exportOne.error.detail : exportOne.error.message}
        </p>
      )}
      {exportOne.data && exportOne.data.length > 0 && (
        <p role="status" className="help">
          {exportOne.data.map((w) => `${w.path}: ${w.message}`).join(' ')}
        </p>
      )}
    </div>
  );
}

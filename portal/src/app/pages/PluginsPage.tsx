import { useQuery } from '@tanstack/react-query';
import type { PluginManifest } from '@crosswire/orchestrator/contract';
import { useState } from 'react';
import { api } from '../api.ts';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { TableHead } from '../components/TableHead.tsx';
import { flattenFields } from '../schema-form/model.ts';
import { useTitle } from '../router.tsx';

const DIRECTION: Record<string, string> = { inbound: 'Inbound', outbound: 'Outbound', bidirectional: 'Both ways' };

/** The installed connector types and the fields of each, as the wizard will draw them. */
export function PluginsPage() {
  useTitle('Plugins');
  const [open, setOpen] = useState<string>();
  const plugins = useQuery({
    queryKey: ['plugins'],
    queryFn: ({ signal }) => api.get<{ items: PluginManifest[] }>('/api/v1/plugins', signal),
    staleTime: 5 * 60_000,
  });
  return (
    <section aria-labelledby="plugins-title">
      <h1 id="plugins-title">Plugins</h1>
      <p className="muted">Connector types installed in this Crosswire. Each defines the settings of the adapters that use it.</p>
      {plugins.isPending ? (
        <LoadingState label="Loading plugins…" />
      ) : plugins.isError ? (
        <ErrorState error={plugins.error} onRetry={() => void plugins.refetch()} />
      ) : plugins.data.items.length === 0 ? (
        <EmptyState>No connector types are installed: run the installer's seed.</EmptyState>
      ) : (
        plugins.data.items.map((p) => (
          <section key={p.type} className="panel" aria-labelledby={`plugin-${p.type}`}>
            <h2 id={`plugin-${p.type}`}>
              {p.title} <code>{p.type}</code>
            </h2>
            <p>{p.description}</p>
            <dl className="facts">
              <div>
                <dt>Version</dt>
                <dd>{p.version}</dd>
              </div>
              <div>
                <dt>Direction</dt>
                <dd>{DIRECTION[p.direction] ?? p.direction}</dd>
              </div>
              <div>
                <dt>Exclusive</dt>
                <dd>{p.exclusive ? 'Yes: single or active/passive only' : 'No: may scale out'}</dd>
              </div>
            </dl>
            <button type="button" aria-expanded={open === p.type} onClick={() => setOpen(open === p.type ? undefined : p.type)}>
              {open === p.type ? 'Hide' : 'Show'} the fields of {p.type}
            </button>
            {open === p.type && <Fields plugin={p} />}
          </section>
        ))
      )}
    </section>
  );
}

function Fields({ plugin }: { plugin: PluginManifest }) {
  const fields = flattenFields(plugin.configSchema);
  return (
    <table className="fields">
      <caption className="visually-hidden">Fields of {plugin.type}</caption>
      <TableHead columns={['Field', 'Title', 'Kind', 'Default', 'Notes', 'Description']} />
      <tbody>
        {fields.map((f) => (
          <tr key={f.pointer}>
            <th scope="row">
              <code>{f.pointer}</code>
            </th>
            <td>{f.sectionTitle ?? f.title}</td>
            <td>
              {f.widget}
              {f.options ? `: ${f.options.join(', ')}` : ''}
            </td>
            <td>{f.schema.default === undefined ? '' : <code>{JSON.stringify(f.schema.default)}</code>}</td>
            <td>
              {[f.required && 'required', f.advanced && 'advanced', f.secret && 'secret (write-only)', f.schema['x-visible-if'] !== undefined && `shown when ${JSON.stringify(f.schema['x-visible-if'])}`]
                .filter(Boolean)
                .join('; ')}
            </td>
            <td>{f.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

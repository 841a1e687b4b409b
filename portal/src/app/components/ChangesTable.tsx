import type { SpecChange } from '@crosswire/orchestrator/contract';
import type { ReactNode } from 'react';

const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** Side by side: each changed field with its value before and after (revision diffs, manifest diffs). */
export function ChangesTable({ caption, before, after, changes }: { caption: ReactNode; before: ReactNode; after: ReactNode; changes: readonly SpecChange[] }) {
  return (
    <table className="diff">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">{before}</th>
          <th scope="col">{after}</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.path} className={`op-${c.op}`}>
            <th scope="row">
              <code>{c.path}</code>
            </th>
            <td className="before">{c.op === 'add' ? <span className="muted">(not set)</span> : <pre>{show(c.before)}</pre>}</td>
            <td className="after">{c.op === 'remove' ? <span className="muted">(removed)</span> : <pre>{show(c.after)}</pre>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

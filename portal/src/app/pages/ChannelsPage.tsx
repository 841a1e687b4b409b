import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { Channel, ChannelMessage } from '@crosswire/orchestrator/contract';
import { api, ApiError, hasRole, type Me } from '../api.ts';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { TableHead } from '../components/TableHead.tsx';
import { ago, fullTime } from '../format.ts';
import { Link, useTitle } from '../router.tsx';
import { POLL_MS } from './AdaptersPage.tsx';
import { formatBytes } from './ArtifactsPage.tsx';

const channelPath = (name: string) => `/api/v1/channels/${encodeURIComponent(name)}`;
const maxLag = (c: Channel) => c.consumers.reduce((most, k) => Math.max(most, k.lag), 0);

/** Every channel: how much it holds, who writes to it, and how far behind each consumer is. */
export function ChannelsPage() {
  useTitle('Channels');
  const channels = useQuery({
    queryKey: ['channels'],
    queryFn: ({ signal }) => api.get<{ items: Channel[] }>('/api/v1/channels', signal),
    refetchInterval: POLL_MS,
  });
  return (
    <section aria-labelledby="channels-title">
      <h1 id="channels-title">Channels</h1>
      {channels.isPending ? (
        <LoadingState label="Loading channels…" />
      ) : !channels.data ? (
        <ErrorState error={channels.error} onRetry={() => void channels.refetch()} />
      ) : channels.data.items.length === 0 ? (
        <EmptyState>No channel yet: a channel appears when an adapter’s pipeline routes to it.</EmptyState>
      ) : (
        <table className="channels">
          <caption className="visually-hidden">Channels, refreshed every two seconds</caption>
          <TableHead columns={['Channel', 'Messages kept', 'Head offset', 'Written by', 'Consumers (lag)', 'Newest']} />
          <tbody>
            {channels.data.items.map((c) => (
              <tr key={c.name}>
                <th scope="row">
                  <Link to={`/channels/${encodeURIComponent(c.name)}`}>{c.name}</Link>
                  {c.deadLetterFor.length > 0 && <span className="badge warning"> dead letters</span>}
                </th>
                <td>
                  {c.messages} <span className="muted">({formatBytes(c.bytes)})</span>
                </td>
                <td>{c.head}</td>
                <td>{[...c.producers, ...c.deadLetterFor].join(', ') || <span className="muted">no pipeline</span>}</td>
                <td className={maxLag(c) > 0 ? 'lagging' : undefined}>
                  {c.consumers.map((k) => `${k.adapter} (${k.lag})`).join(', ') || <span className="muted">none</span>}
                </td>
                <td>{c.newestAt ? <time dateTime={c.newestAt} title={fullTime(c.newestAt)}>{ago(c.newestAt)}</time> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One channel: consumers and their lag, retention (engineers change it), and its messages (operators read them). */
export function ChannelPage({ name, me }: { name: string; me: Me | undefined }) {
  useTitle(`Channel ${name}`);
  const channel = useQuery({
    queryKey: ['channel', name],
    queryFn: ({ signal }) => api.get<Channel>(channelPath(name), signal),
    refetchInterval: POLL_MS,
  });
  return (
    <section aria-labelledby="channel-title">
      <p>
        <Link to="/channels">← Channels</Link>
      </p>
      <h1 id="channel-title">Channel {name}</h1>
      {channel.isPending ? (
        <LoadingState label="Loading the channel…" />
      ) : !channel.data ? (
        <ErrorState error={channel.error} onRetry={() => void channel.refetch()} />
      ) : (
        <>
          <dl className="facts">
            <dt>Messages kept</dt>
            <dd>
              {channel.data.messages} ({formatBytes(channel.data.bytes)})
            </dd>
            <dt>Head offset</dt>
            <dd>{channel.data.head}</dd>
            <dt>Written by</dt>
            <dd>{channel.data.producers.join(', ') || '—'}</dd>
            {channel.data.deadLetterFor.length > 0 && (
              <>
                <dt>Dead letters of</dt>
                <dd>{channel.data.deadLetterFor.join(', ')}</dd>
              </>
            )}
          </dl>
          <h2>Consumers</h2>
          {channel.data.consumers.length === 0 ? (
            <EmptyState>No adapter consumes this channel.</EmptyState>
          ) : (
            <table>
              <caption className="visually-hidden">Consuming adapters and how far behind the head each is</caption>
              <TableHead columns={['Adapter', 'Committed offset', 'Lag (messages)', 'Last commit']} />
              <tbody>
                {channel.data.consumers.map((k) => (
                  <tr key={k.adapterId}>
                    <th scope="row">
                      <Link to={`/adapters/${encodeURIComponent(k.adapter)}`}>{k.adapter}</Link>
                    </th>
                    <td>{k.committed}</td>
                    <td className={k.lag > 0 ? 'lagging' : undefined}>{k.lag}</td>
                    <td>
                      <time dateTime={k.updatedAt} title={fullTime(k.updatedAt)}>
                        {ago(k.updatedAt)}
                      </time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Retention channel={channel.data} canEdit={hasRole(me, 'engineer')} />
          {hasRole(me, 'operator') ? (
            <Messages name={name} replayFor={channel.data.deadLetterFor} />
          ) : (
            <p className="muted">Message contents are shown to operators and above.</p>
          )}
        </>
      )}
    </section>
  );
}

const MINUTE_MS = 60_000;
const MIB = 1_048_576;

function Retention({ channel, canEdit }: { channel: Channel; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const ids = { age: useId(), size: useId() };
  const [age, setAge] = useState(channel.retention.maxAgeMs === null ? '' : String(channel.retention.maxAgeMs / MINUTE_MS));
  const [size, setSize] = useState(channel.retention.maxBytes === null ? '' : String(channel.retention.maxBytes / MIB));
  const save = useMutation({
    mutationFn: () =>
      api.put<Channel>(`${channelPath(channel.name)}/retention`, {
        maxAgeMs: age.trim() === '' ? null : Math.round(Number(age) * MINUTE_MS),
        maxBytes: size.trim() === '' ? null : Math.round(Number(size) * MIB),
      }),
    onSuccess: (updated) => queryClient.setQueryData(['channel', channel.name], updated),
  });
  const errorFor = (path: string) => (save.error instanceof ApiError ? save.error.errors.find((e) => e.path === path)?.message : undefined);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={onSubmit} aria-labelledby={`${ids.age}-title`}>
      <h2 id={`${ids.age}-title`}>Retention</h2>
      <p className="muted">Only messages every consumer has processed are ever deleted; leave a box empty for no limit.</p>
      <div className="field">
        <label htmlFor={ids.age}>Keep for (minutes)</label>
        <input id={ids.age} inputMode="numeric" value={age} onChange={(e) => setAge(e.target.value)} disabled={!canEdit} aria-describedby={errorFor('/maxAgeMs') ? `${ids.age}-error` : undefined} />
        {errorFor('/maxAgeMs') && (
          <p id={`${ids.age}-error`} className="field-error">
            {errorFor('/maxAgeMs')}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={ids.size}>Keep at most (MiB)</label>
        <input id={ids.size} inputMode="numeric" value={size} onChange={(e) => setSize(e.target.value)} disabled={!canEdit} aria-describedby={errorFor('/maxBytes') ? `${ids.size}-error` : undefined} />
        {errorFor('/maxBytes') && (
          <p id={`${ids.size}-error`} className="field-error">
            {errorFor('/maxBytes')}
          </p>
        )}
      </div>
      {canEdit && (
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save retention'}
        </button>
      )}
      {save.isSuccess && <p role="status">Retention saved.</p>}
      {save.error && !(save.error instanceof ApiError && save.error.errors.length > 0) && <ErrorState error={save.error} />}
    </form>
  );
}

function body(message: ChannelMessage): string {
  return message.body.kind === 'fix' ? message.body.fields.map(([tag, value]) => `${tag}=${value}`).join(' | ') : JSON.stringify(message.body.value);
}

/** Queues a replay on the pod holding the adapter; the outcome lands in the adapter's event log. */
function useReplay() {
  return useMutation({
    mutationFn: ({ adapter, offsets }: { adapter: string; offsets?: number[] }) =>
      api.post<{ id: number }>(`/api/v1/adapters/${encodeURIComponent(adapter)}/replay-dead-letters`, offsets ? { offsets } : {}),
  });
}

function ReplayOutcome({ replay, adapter }: { replay: ReturnType<typeof useReplay>; adapter: string | undefined }) {
  if (replay.isError) return <ErrorState error={replay.error} />;
  if (!replay.isSuccess || !adapter) return null;
  return (
    <p role="status">
      Replay queued: the pod holding {adapter} runs it through the current pipeline and reports the outcome in{' '}
      <Link to={`/adapters/${encodeURIComponent(adapter)}`}>its event log</Link>.
    </p>
  );
}

function Messages({ name, replayFor }: { name: string; replayFor: string[] }) {
  const replay = useReplay();
  const messages = useQuery({
    queryKey: ['channel-messages', name],
    queryFn: ({ signal }) => api.get<{ items: ChannelMessage[] }>(`${channelPath(name)}/messages?limit=50`, signal),
    refetchInterval: POLL_MS,
  });
  return (
    <section aria-labelledby="channel-messages-title">
      <h2 id="channel-messages-title">Newest messages</h2>
      {replayFor.length > 0 && (
        <p>
          Dead letters of {replayFor.join(', ')}. Once the pipeline is fixed, run them through it again:{' '}
          {replayFor.map((adapter) => (
            <button
              key={adapter}
              type="button"
              disabled={replay.isPending}
              onClick={() => {
                if (window.confirm(`Replay every dead letter of ${adapter} through its current pipeline?`)) replay.mutate({ adapter });
              }}
            >
              Replay all of {adapter}
            </button>
          ))}
        </p>
      )}
      <ReplayOutcome replay={replay} adapter={replay.variables?.adapter} />
      {messages.isPending ? (
        <LoadingState label="Loading messages…" />
      ) : !messages.data ? (
        <ErrorState error={messages.error} onRetry={() => void messages.refetch()} />
      ) : messages.data.items.length === 0 ? (
        <EmptyState>No message is kept in this channel.</EmptyState>
      ) : (
        <table className="messages">
          <caption className="visually-hidden">The newest 50 messages, credentials masked</caption>
          <TableHead columns={['Offset', 'From', 'Appended', 'Message']} />
          <tbody>
            {[...messages.data.items].reverse().map((m) => (
              <tr key={m.offset}>
                <th scope="row">{m.offset}</th>
                <td>
                  {m.origin.adapter ?? 'control plane'} <span className="muted">#{m.origin.seq}</span>
                </td>
                <td>
                  <time dateTime={m.appendedAt} title={fullTime(m.appendedAt)}>
                    {ago(m.appendedAt)}
                  </time>
                </td>
                <td>
                  {m.deadLetterReason && <p className="field-error">Parked: {m.deadLetterReason}</p>}
                  <code className="message-body">{body(m)}</code>
                  {m.origin.adapter && replayFor.includes(m.origin.adapter) && (
                    <button type="button" disabled={replay.isPending} onClick={() => replay.mutate({ adapter: m.origin.adapter!, offsets: [m.offset] })}>
                      Replay message {m.offset}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

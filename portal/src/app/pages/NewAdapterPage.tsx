import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Adapter, FieldError, PluginManifest } from '@crosswire/orchestrator/contract';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, ApiError, hasRole, type Me } from '../api.ts';
import { FieldErrorList } from '../components/FieldErrorList.tsx';
import { ErrorState, LoadingState } from '../components/States.tsx';
import { SchemaForm } from '../schema-form/SchemaForm.tsx';
import { buildSpec, CONFIG_POINTER, stepOfError, type Basics, type WizardStep } from '../adapter-spec.ts';
import { cleanValue, initialValue, maskSecrets, placeErrors } from '../schema-form/model.ts';
import { Link, navigate, useTitle } from '../router.tsx';
import { MODE_LABEL, ModeOptions } from './AdaptersPage.tsx';

const STEPS = ['Basics', 'Connection', 'Review'] as const;
type Step = WizardStep;

export function NewAdapterPage({ me }: { me: Me | undefined }) {
  useTitle('New adapter');
  const queryClient = useQueryClient();
  const [step, setStep] = useState<Step>(0);
  const [basics, setBasics] = useState<Basics>({ name: '', mode: 'active_passive', instances: '2', description: '' });
  const [type, setType] = useState('');
  const [config, setConfig] = useState<unknown>({});
  const [errors, setErrors] = useState<FieldError[]>([]);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const plugins = useQuery({
    queryKey: ['plugins'],
    queryFn: ({ signal }) => api.get<{ items: PluginManifest[] }>('/api/v1/plugins', signal),
    staleTime: 5 * 60_000,
  });
  const plugin = plugins.data?.items.find((p) => p.type === type);
  const ids = { name: useId(), mode: useId(), instances: useId(), description: useId(), type: useId() };

  // Each step's heading takes the focus, so screen readers announce where the user is.
  useEffect(() => headingRef.current?.focus(), [step]);

  const save = useMutation({
    mutationFn: () => api.post<Adapter>('/api/v1/adapters', buildSpec(basics, type, config, plugin)),
    onSuccess: (adapter) => {
      void queryClient.invalidateQueries({ queryKey: ['adapters'] });
      navigate(`/adapters/${encodeURIComponent(adapter.name)}?created=1`);
    },
    onError: (error) => {
      if (error instanceof ApiError) {
        const fieldErrors = error.errors.length ? error.errors : error.status === 409 ? [{ path: '/name', message: error.detail }] : [];
        setErrors(fieldErrors);
        if (fieldErrors.length) setStep(Math.min(...fieldErrors.map((e) => stepOfError(e.path))) as Step);
      }
    },
  });

  const placed = useMemo(() => (plugin ? placeErrors(errors, CONFIG_POINTER, plugin.configSchema, config) : { byPointer: new Map<string, string[]>(), unplaced: [] }), [errors, plugin, config]);
  const basicError = (path: string) => errors.filter((e) => e.path === path).map((e) => e.message);
  const otherErrors = errors.filter((e) => stepOfError(e.path) === 0 && !['/name', '/mode', '/instances', '/description'].includes(e.path));

  if (me && !hasRole(me, 'engineer')) {
    return (
      <section>
        <h1>New adapter</h1>
        <p>Creating adapters needs the engineer role; yours is {me.roles.join(', ') || 'none'}.</p>
      </section>
    );
  }

  const chooseType = (next: string) => {
    setType(next);
    const p = plugins.data?.items.find((x) => x.type === next);
    setConfig(p ? (initialValue(p.configSchema) ?? {}) : {});
    setErrors((e) => e.filter((x) => !x.path.startsWith('/connector')));
  };

  const basicsProblem = !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(basics.name) ? 'The name must be a DNS label: lowercase letters, digits and "-".' : undefined;
  const nameErrors = basicError('/name').length ? basicError('/name') : basics.name && basicsProblem ? [basicsProblem] : [];

  return (
    <section aria-labelledby="new-title">
      <p className="breadcrumb">
        <Link to="/adapters">Adapters</Link> / <span aria-current="page">New adapter</span>
      </p>
      <h1 id="new-title">New adapter</h1>
      <ol className="steps" aria-label="Steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i === step ? 'step' : undefined} className={i === step ? 'current' : i < step ? 'done' : ''}>
            {i + 1}. {s}
          </li>
        ))}
      </ol>
      {save.isError && !(save.error instanceof ApiError && save.error.errors.length) && <ErrorState error={save.error} />}
      {save.isError && save.error instanceof ApiError && save.error.errors.length > 0 && (
        <p role="alert" className="banner error">
          {save.error.detail} ({save.error.errors.length} {save.error.errors.length === 1 ? 'field' : 'fields'}, marked below)
        </p>
      )}

      {step === 0 && (
        <form
          className="panel wizard"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!basicsProblem) setStep(1);
          }}
        >
          <h2 ref={headingRef} tabIndex={-1}>
            Basics
          </h2>
          <FieldErrorList errors={otherErrors} />
          <div className="field">
            <label htmlFor={ids.name}>
              Name <span className="required">(required)</span>
            </label>
            <input
              id={ids.name}
              value={basics.name}
              onChange={(e) => setBasics({ ...basics, name: e.target.value })}
              autoComplete="off"
              spellCheck={false}
              aria-describedby={`${ids.name}-help${nameErrors.length ? ` ${ids.name}-error` : ''}`}
              aria-invalid={nameErrors.length ? true : undefined}
            />
            <p id={`${ids.name}-help`} className="help">
              Lowercase letters, digits and "-", such as lse-gateway. It cannot be changed later.
            </p>
            {nameErrors.length > 0 && (
              <p id={`${ids.name}-error`} className="field-error">
                {nameErrors.join('; ')}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.mode}>Mode</label>
            <select id={ids.mode} value={basics.mode} onChange={(e) => setBasics({ ...basics, mode: e.target.value })} aria-describedby={`${ids.mode}-help`}>
              <ModeOptions />
            </select>
            <p id={`${ids.mode}-help`} className="help">
              Single: one pod, no standby. Active/passive: one pod, standbys take over. Scale-out: several pods at once (not for FIX sessions or listening ports).
            </p>
            {basicError('/mode').length > 0 && <p className="field-error">{basicError('/mode').join('; ')}</p>}
          </div>
          {basics.mode === 'scale_out' && (
            <div className="field">
              <label htmlFor={ids.instances}>Instances</label>
              <input
                id={ids.instances}
                type="number"
                min={1}
                max={64}
                value={basics.instances}
                onChange={(e) => setBasics({ ...basics, instances: e.target.value })}
                aria-invalid={basicError('/instances').length ? true : undefined}
                aria-describedby={basicError('/instances').length ? `${ids.instances}-error` : undefined}
              />
              {basicError('/instances').length > 0 && (
                <p id={`${ids.instances}-error`} className="field-error">
                  {basicError('/instances').join('; ')}
                </p>
              )}
            </div>
          )}
          <div className="field">
            <label htmlFor={ids.description}>Description</label>
            <textarea id={ids.description} rows={2} value={basics.description} onChange={(e) => setBasics({ ...basics, description: e.target.value })} />
          </div>
          <div className="wizard-buttons">
            <button type="submit" className="primary" disabled={!basics.name || !!basicsProblem}>
              Next: connection
            </button>
          </div>
        </form>
      )}

      {step === 1 && (
        <form
          className="panel wizard"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (type) setStep(2);
          }}
        >
          <h2 ref={headingRef} tabIndex={-1}>
            Connection
          </h2>
          {plugins.isPending ? (
            <LoadingState label="Loading connector types…" />
          ) : plugins.isError ? (
            <ErrorState error={plugins.error} onRetry={() => void plugins.refetch()} />
          ) : (
            <>
              <div className="field">
                <label htmlFor={ids.type}>
                  Connector type <span className="required">(required)</span>
                </label>
                <select id={ids.type} value={type} onChange={(e) => chooseType(e.target.value)} aria-describedby={`${ids.type}-help`}>
                  <option value="">Choose…</option>
                  {plugins.data.items.map((p) => (
                    <option key={p.type} value={p.type} disabled={basics.mode === 'scale_out' && p.exclusive}>
                      {p.title} ({p.type}){basics.mode === 'scale_out' && p.exclusive ? ' — not for scale-out' : ''}
                    </option>
                  ))}
                </select>
                <p id={`${ids.type}-help`} className="help">
                  {plugin ? plugin.description : 'The installed connector types. Each draws its own settings below.'}
                </p>
                {basicError('/connector/type').length > 0 && <p className="field-error">{basicError('/connector/type').join('; ')}</p>}
              </div>
              {plugin && <SchemaForm key={plugin.type} schema={plugin.configSchema} value={config} onChange={setConfig} errors={placed} idPrefix="cfg" />}
            </>
          )}
          <div className="wizard-buttons">
            <button type="button" onClick={() => setStep(0)}>
              Back
            </button>
            <button type="submit" className="primary" disabled={!type}>
              Next: review
            </button>
          </div>
        </form>
      )}

      {step === 2 && (
        <div className="panel wizard">
          <h2 ref={headingRef} tabIndex={-1}>
            Review
          </h2>
          <dl className="facts">
            <div>
              <dt>Name</dt>
              <dd>{basics.name}</dd>
            </div>
            <div>
              <dt>Mode</dt>
              <dd>
                {MODE_LABEL[basics.mode]}
                {basics.mode === 'scale_out' ? ` (${basics.instances} instances)` : ''}
              </dd>
            </div>
            <div>
              <dt>Connector type</dt>
              <dd>{plugin?.title ?? type}</dd>
            </div>
            <div>
              <dt>Admin state after saving</dt>
              <dd>Disabled (enable it from its page)</dd>
            </div>
          </dl>
          <h3>Configuration</h3>
          <pre className="config" aria-label="Configuration to be saved" tabIndex={0}>
            {JSON.stringify(plugin ? maskSecrets(plugin.configSchema, cleanValue(plugin.configSchema, config)) : config, null, 2)}
          </pre>
          <div className="wizard-buttons">
            <button type="button" onClick={() => setStep(1)} disabled={save.isPending}>
              Back
            </button>
            <button type="button" className="primary" onClick={() => (setErrors([]), save.mutate())} disabled={save.isPending}>
              {save.isPending ? 'Creating…' : 'Create adapter'}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, ApiError, loginUrl, onUnauthenticated, request, type Me, type SessionInfo, hasRole } from './api.ts';
import { ErrorState, LoadingState } from './components/States.tsx';
import { AccessPage } from './pages/AccessPage.tsx';
import { AdapterPage } from './pages/AdapterPage.tsx';
import { AdaptersPage } from './pages/AdaptersPage.tsx';
import { ArtifactsPage } from './pages/ArtifactsPage.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { ChannelPage, ChannelsPage } from './pages/ChannelsPage.tsx';
import { ManifestsPage } from './pages/ManifestsPage.tsx';
import { NewAdapterPage } from './pages/NewAdapterPage.tsx';
import { PluginsPage } from './pages/PluginsPage.tsx';
import { PodsPage } from './pages/PodsPage.tsx';
import { Link, navigate, useLocation, useTitle } from './router.tsx';

const NAV = [
  ['/adapters', 'Adapters'],
  ['/artifacts', 'Artifacts'],
  ['/plugins', 'Plugins'],
  ['/pods', 'Pods'],
  ['/channels', 'Channels'],
  ['/manifests', 'Import / export'],
  ['/audit', 'Audit'],
] as const;

export function App() {
  const queryClient = useQueryClient();
  const session = useQuery({ queryKey: ['session'], queryFn: ({ signal }) => api.get<SessionInfo>('/bff/session', signal), staleTime: 60_000 });
  useEffect(() => onUnauthenticated(() => void queryClient.invalidateQueries({ queryKey: ['session'] })), [queryClient]);

  if (session.isPending) return <LoadingState label="Checking your session…" />;
  if (session.isError) return <ErrorState error={session.error} onRetry={() => void session.refetch()} />;
  if (!session.data.authenticated) return <SignIn />;
  return <Console user={session.data.user!} />;
}

function SignIn() {
  const { href } = useLocation();
  useTitle('Sign in');
  return (
    <main className="sign-in">
      <h1>Crosswire</h1>
      <p>Connectivity console. Sign in with your organisation’s account to continue.</p>
      <a className="button primary" href={loginUrl(href === '/' ? '/adapters' : href)}>
        Sign in
      </a>
    </main>
  );
}

function Console({ user }: { user: { subject: string; name: string } }) {
  const { pathname } = useLocation();
  const me = useQuery({ queryKey: ['me'], queryFn: ({ signal }) => api.get<Me>('/api/v1/me', signal), staleTime: 60_000 });
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<string>();

  useEffect(() => {
    if (pathname === '/') navigate('/adapters', { replace: true });
  }, [pathname]);

  async function signOut() {
    setSigningOut(true);
    try {
      const { redirect } = await request<{ redirect: string }>('POST', '/bff/logout');
      window.location.assign(redirect);
    } catch (error) {
      setSigningOut(false);
      setSignOutError(error instanceof ApiError ? error.detail : 'sign-out failed');
    }
  }

  const adapter = /^\/adapters\/([^/]+)\/?$/.exec(pathname);
  const channel = /^\/channels\/([^/]+)\/?$/.exec(pathname);
  return (
    <>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="top">
        <Link to="/adapters" className="brand">
          Crosswire
        </Link>
        <nav aria-label="Main">
          {NAV.map(([to, label]) => (
            <Link key={to} to={to} aria-current={pathname.startsWith(to) || (to === '/adapters' && pathname === '/new-adapter') ? 'page' : undefined}>
              {label}
            </Link>
          ))}
          {hasRole(me.data, 'admin') && (
            <Link to="/access" aria-current={pathname === '/access' ? 'page' : undefined}>
              Access
            </Link>
          )}
        </nav>
        <div className="user">
          <span>
            {user.name}
            {me.data && <span className="roles"> ({me.data.roles.join(', ') || 'no role'})</span>}
          </span>
          <button type="button" onClick={() => void signOut()} disabled={signingOut}>
            {signingOut ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      </header>
      {signOutError && (
        <p role="alert" className="banner error">
          {signOutError}
        </p>
      )}
      <main id="content" tabIndex={-1}>
        {adapter ? (
          <AdapterPage name={decodeURIComponent(adapter[1]!)} me={me.data} />
        ) : pathname === '/adapters' || pathname === '/' ? (
          <AdaptersPage me={me.data} />
        ) : pathname === '/new-adapter' ? (
          <NewAdapterPage me={me.data} />
        ) : pathname === '/artifacts' ? (
          <ArtifactsPage me={me.data} />
        ) : pathname === '/plugins' ? (
          <PluginsPage />
        ) : pathname === '/pods' ? (
          <PodsPage />
        ) : pathname === '/channels' ? (
          <ChannelsPage />
        ) : channel ? (
          <ChannelPage name={decodeURIComponent(channel[1]!)} me={me.data} />
        ) : pathname === '/manifests' ? (
          <ManifestsPage me={me.data} />
        ) : pathname === '/access' ? (
          <AccessPage me={me.data} />
        ) : pathname === '/audit' ? (
          <AuditPage />
        ) : (
          <NotFound />
        )}
      </main>
    </>
  );
}

function NotFound() {
  useTitle('Not found');
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing here. <Link to="/adapters">Go to the adapters</Link>.
      </p>
    </section>
  );
}

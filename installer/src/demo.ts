/**
 * The demo configuration `npm start` creates: one enabled FIX acceptor clients can connect to, and a
 * few disabled adapters that show the other connector types and modes.
 */
export const demoAdapters = (fixPort: number) => [
  {
    enable: true,
    body: {
      name: 'demo-fix-acceptor',
      mode: 'active_passive',
      description: `Demo FIX 4.4 acceptor on port ${fixPort} that echoes orders: connect as CLIENT1 to CROSSWIRE`,
      labels: { team: 'demo' },
      connector: {
        type: 'fix-acceptor',
        config: {
          listen: { host: '127.0.0.1', port: fixPort },
          sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1' }],
          application: 'echo',
        },
      },
    },
  },
  {
    enable: false,
    body: {
      name: 'demo-venue-initiator',
      mode: 'active_passive',
      description: 'Demo FIX 4.2 initiator to a venue on 127.0.0.1:9877',
      labels: { team: 'demo' },
      connector: {
        type: 'fix-initiator',
        config: {
          session: { beginString: 'FIX.4.2', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE' },
          connection: { host: '127.0.0.1', port: 9877 },
        },
      },
    },
  },
  {
    enable: false,
    body: {
      name: 'demo-market-data',
      mode: 'single',
      description: 'Demo WebSocket feed',
      labels: { team: 'demo' },
      connector: { type: 'ws-initiator', config: { connection: { url: 'wss://127.0.0.1:9443/feed' } } },
    },
  },
  {
    enable: false,
    body: {
      name: 'demo-orders-to-nats',
      mode: 'scale_out',
      instances: 2,
      description: 'Demo NATS JetStream producer',
      labels: { team: 'demo' },
      connector: {
        type: 'nats-producer',
        config: {
          connection: { servers: ['nats://127.0.0.1:4222'] },
          subscribeChannel: 'demo-orders',
          publish: { subject: 'orders.{Symbol}', stream: 'ORDERS' },
        },
      },
    },
  },
];

import { expect } from 'chai';
import { MeterProvider, type MetricStore } from '@otelkit/metrics';
import { startPostgres, type PostgresServer } from '@otelkit/testkit';
import pg from 'pg';
import { createServiceHealthMeters, MetersConfigError, pgPoolName } from '../../src/index.js';
import { captureDiag, values } from '../helpers.js';

async function gauges(store: MetricStore): Promise<Record<string, number>> {
  await store.observe();
  const out: Record<string, number> = {};
  for (const name of ['db.client.connection.count', 'db.client.connection.pending_requests', 'db.pool.size', 'db.pool.free']) {
    if (!store.instruments.some((s) => s.descriptor.name === name)) continue;
    for (const [a, v] of values(store, name)) {
      const state = a['db.client.connection.state'];
      out[`${name}${state ? `{${String(state)}}` : ''}`] = v;
    }
  }
  return out;
}

describe('pool gauges', () => {
  describe('with a real pg.Pool on a real PostgreSQL', function () {
    this.timeout(60_000);
    let server: PostgresServer;
    let pool: pg.Pool;
    before(async () => {
      server = await startPostgres();
      pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, database: server.database, max: 2 });
    });
    after(async () => {
      await pool?.end();
      await server?.stop();
    });

    it('reads total / idle / used / waiting at collection time as connections are checked out', async () => {
      const provider = new MeterProvider();
      const h = createServiceHealthMeters(provider.getMeter('w'), { service: 'evaluator', pulseNames: true });
      h.observePool(pool);
      const name = `127.0.0.1:${server.port}/postgres`;
      expect(await gauges(provider.store)).to.deep.equal({
        'db.client.connection.count{idle}': 0,
        'db.client.connection.count{used}': 0,
        'db.client.connection.pending_requests': 0,
        'db.pool.size': 0,
        'db.pool.free': 0,
      });
      const a = await pool.connect();
      const b = await pool.connect();
      await a.query('select 1');
      const third = pool.connect(); // max is 2: this one waits
      expect(await gauges(provider.store)).to.deep.equal({
        'db.client.connection.count{idle}': 0,
        'db.client.connection.count{used}': 2,
        'db.client.connection.pending_requests': 1,
        'db.pool.size': 2,
        'db.pool.free': 0,
      });
      a.release();
      const c = await third;
      b.release();
      expect(await gauges(provider.store)).to.deep.equal({
        'db.client.connection.count{idle}': 1,
        'db.client.connection.count{used}': 1,
        'db.client.connection.pending_requests': 0,
        'db.pool.size': 2,
        'db.pool.free': 1,
      });
      c.release();
      const attrs = values(provider.store, 'db.client.connection.count').map(([at]) => at);
      expect(attrs[0]).to.deep.equal({ 'db.client.connection.pool.name': name, 'db.client.connection.state': 'idle', service: 'evaluator' });
    });
  });

  it('any object with size/idle(/waiting), or a function returning one; removal stops the reports', async () => {
    const provider = new MeterProvider();
    const h = createServiceHealthMeters(provider.getMeter('w'), { service: 's' });
    const generic = { size: 5, idle: 2 };
    const stop = h.observePool(generic, { name: 'generic' });
    h.observePool(() => ({ size: 3, idle: 3, waiting: 4 }), { name: 'fn' });
    expect(values(provider.store, 'db.client.connection.count')).to.deep.equal([]);
    await provider.store.observe();
    expect(values(provider.store, 'db.client.connection.count').map(([a, v]) => [a['db.client.connection.pool.name'], a['db.client.connection.state'], v])).to.deep.equal([
      ['generic', 'idle', 2],
      ['generic', 'used', 3],
      ['fn', 'idle', 3],
      ['fn', 'used', 0],
    ]);
    expect(values(provider.store, 'db.client.connection.pending_requests').map(([a, v]) => [a['db.client.connection.pool.name'], v])).to.deep.equal([
      ['generic', 0],
      ['fn', 4],
    ]);
    expect(provider.store.instruments.some((s) => s.descriptor.name === 'db.pool.size'), 'pulse names are opt-in').to.equal(false);
    generic.idle = 5;
    stop();
    await provider.store.observe();
    expect(values(provider.store, 'db.client.connection.count').map(([a]) => a['db.client.connection.pool.name'])).to.deep.equal(['fn', 'fn']);
  });

  it('inconsistent or failing pools are left out of the collection with one warning each kind', async () => {
    const d = captureDiag();
    try {
      const provider = new MeterProvider();
      const h = createServiceHealthMeters(provider.getMeter('w'), { service: 's' });
      h.observePool({ size: 1, idle: 2 }, { name: 'idle>size' });
      h.observePool({ size: NaN, idle: 0 }, { name: 'nan' });
      h.observePool({ size: 2, idle: 1, waiting: -1 }, { name: 'neg' });
      h.observePool(
        () => {
          throw new Error('closed');
        },
        { name: 'throws' },
      );
      h.observePool({ size: 4, idle: 1 }, { name: 'good' });
      for (let i = 0; i < 3; i++) expect(await provider.store.observe()).to.deep.equal([]);
      expect(values(provider.store, 'db.client.connection.count').map(([a]) => a['db.client.connection.pool.name'])).to.deep.equal(['good', 'good']);
      expect(d.messages, d.messages.join('\n')).to.have.length(2);
    } finally {
      d.restore();
    }
  });

  it('rejects a source without counts, and a bad name, with a typed error', () => {
    const h = createServiceHealthMeters(new MeterProvider().getMeter('w'), { service: 's' });
    expect(() => h.observePool({} as never)).to.throw(MetersConfigError, /pool must be a pg\.Pool/);
    expect(() => h.observePool(null as never)).to.throw(MetersConfigError);
    expect(() => h.observePool({ size: 1, idle: 1 }, { name: '' })).to.throw(MetersConfigError, /options\.name/);
  });

  it('pgPoolName: host:port/database from options or a connection string, never credentials', () => {
    expect(pgPoolName({ totalCount: 0, idleCount: 0, waitingCount: 0, options: { host: 'db', port: 6432, database: 'pulse' } })).to.equal('db:6432/pulse');
    expect(pgPoolName({ totalCount: 0, idleCount: 0, waitingCount: 0, options: { connectionString: 'postgres://u:secret@db.internal:5433/app?ssl=1' } })).to.equal('db.internal:5433/app');
    expect(pgPoolName({ totalCount: 0, idleCount: 0, waitingCount: 0, options: { database: 'x' } })).to.equal('localhost:5432/x');
    expect(pgPoolName({ totalCount: 0, idleCount: 0, waitingCount: 0, options: {} })).to.equal(undefined);
    expect(pgPoolName({ totalCount: 0, idleCount: 0, waitingCount: 0 })).to.equal(undefined);
  });
});

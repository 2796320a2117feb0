import { expect } from 'chai';
import { MemoryPool } from '../src/memory-pool.js';

const counts = (p: MemoryPool): { total: number; idle: number; waiting: number } => ({ total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount });

describe('MemoryPool: the pg.Pool stand-in counts like pg.Pool', () => {
  it('opens connections only when none is idle, up to max; beyond it callers wait', async () => {
    const p = new MemoryPool({ max: 2 });
    expect(counts(p)).to.deep.equal({ total: 0, idle: 0, waiting: 0 });
    const a = await p.connect();
    const b = await p.connect();
    expect(counts(p)).to.deep.equal({ total: 2, idle: 0, waiting: 0 });
    let got = false;
    const c = p.connect().then((x) => {
      got = true;
      return x;
    });
    await Promise.resolve();
    expect(got).to.equal(false);
    expect(counts(p)).to.deep.equal({ total: 2, idle: 0, waiting: 1 });
    // A release goes straight to the longest waiter: it never shows as idle.
    a.release();
    const cc = await c;
    expect(counts(p)).to.deep.equal({ total: 2, idle: 0, waiting: 0 });
    b.release();
    expect(counts(p)).to.deep.equal({ total: 2, idle: 1, waiting: 0 });
    cc.release();
    expect(counts(p)).to.deep.equal({ total: 2, idle: 2, waiting: 0 });
    // An idle connection is reused before a new one would be opened.
    const d = await p.connect();
    expect(counts(p)).to.deep.equal({ total: 2, idle: 1, waiting: 0 });
    d.release();
  });

  it('waiters are served first come, first served', async () => {
    const p = new MemoryPool({ max: 1 });
    const held = await p.connect();
    const order: number[] = [];
    const w = [1, 2, 3].map((n) => p.connect().then((c) => {
      order.push(n);
      c.release();
    }));
    held.release();
    await Promise.all(w);
    expect(order).to.deep.equal([1, 2, 3]);
  });

  it('a second release of the same checkout throws, as pg does, and leaves the counts right', async () => {
    const p = new MemoryPool({ max: 1 });
    const c = await p.connect();
    c.release();
    expect(() => c.release()).to.throw(/already been released/);
    expect(counts(p)).to.deep.equal({ total: 1, idle: 1, waiting: 0 });
  });

  it('use() releases on a throw; end() closes the idle connections and refuses new checkouts', async () => {
    const p = new MemoryPool({ max: 2 });
    await p.use(async () => undefined);
    await p.use(() => {
      throw new Error('boom');
    }).catch(() => undefined);
    expect(counts(p)).to.deep.equal({ total: 1, idle: 1, waiting: 0 });
    const out = await p.connect();
    await p.end();
    expect(counts(p)).to.deep.equal({ total: 1, idle: 0, waiting: 0 });
    out.release();
    expect(counts(p)).to.deep.equal({ total: 0, idle: 0, waiting: 0 });
    let err: unknown;
    await p.connect().catch((e: unknown) => (err = e));
    expect(String(err)).to.contain('after calling end');
  });

  it('refuses a max that is not an integer >= 1', () => {
    expect(() => new MemoryPool({ max: 0 })).to.throw(RangeError, /max must be an integer >= 1/);
  });
});

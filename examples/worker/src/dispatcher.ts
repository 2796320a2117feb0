import type pg from 'pg';

/** Signals scoring at least this go out; the others are discarded. */
export const DISPATCH_THRESHOLD = 0.5;

/**
 * One dispatcher cycle: claims up to `batch` evaluated signals, records a dispatch for those at or
 * above the threshold, discards the rest, and returns the evaluated depth left.
 */
export async function dispatchBatch(pool: pg.Pool, batch: number): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: string; score: number }>(
      "SELECT id, score FROM signals WHERE status = 'evaluated' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
      [batch],
    );
    const send = rows.filter((r) => r.score >= DISPATCH_THRESHOLD).map((r) => r.id);
    const drop = rows.filter((r) => r.score < DISPATCH_THRESHOLD).map((r) => r.id);
    if (send.length > 0) {
      await client.query("INSERT INTO dispatches (signal_id, channel) SELECT unnest($1::bigint[]), 'alerts'", [send]);
      await client.query("UPDATE signals SET status = 'dispatched' WHERE id = ANY($1::bigint[])", [send]);
    }
    if (drop.length > 0) await client.query("UPDATE signals SET status = 'discarded' WHERE id = ANY($1::bigint[])", [drop]);
    await client.query('COMMIT');
    const depth = await client.query<{ n: string }>("SELECT count(*) AS n FROM signals WHERE status = 'evaluated'");
    return Number(depth.rows[0]!.n);
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

import type pg from 'pg';

/** Some signals of the batch could not be scored; they were moved to `failed`. */
export class EvaluationError extends Error {
  override name = 'EvaluationError';
}

/** Score of a signal payload: its trust, clamped to 0 … 1; undefined when it cannot be scored. */
export function score(payload: unknown): number | undefined {
  const p = payload as { trust?: unknown; poison?: unknown } | null;
  if (p === null || typeof p !== 'object' || p.poison === true || typeof p.trust !== 'number' || !Number.isFinite(p.trust)) return undefined;
  return Math.min(1, Math.max(0, p.trust));
}

/**
 * One evaluator cycle: claims up to `batch` pending signals (`FOR UPDATE SKIP LOCKED`, so several
 * evaluators can share the table), scores them, and returns the pending depth left. Throws an
 * EvaluationError after committing when some signals could not be scored.
 */
export async function evaluateBatch(pool: pg.Pool, batch: number): Promise<number> {
  const client = await pool.connect();
  let failed = 0;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: string; payload: unknown }>(
      "SELECT id, payload FROM signals WHERE status = 'pending' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
      [batch],
    );
    const ids: string[] = [];
    const scores: number[] = [];
    const bad: string[] = [];
    for (const r of rows) {
      const s = score(r.payload);
      if (s === undefined) bad.push(r.id);
      else {
        ids.push(r.id);
        scores.push(s);
      }
    }
    if (ids.length > 0) {
      await client.query(
        "UPDATE signals SET status = 'evaluated', score = v.score, evaluated_at = now() FROM unnest($1::bigint[], $2::float8[]) AS v(id, score) WHERE signals.id = v.id",
        [ids, scores],
      );
    }
    if (bad.length > 0) await client.query("UPDATE signals SET status = 'failed' WHERE id = ANY($1::bigint[])", [bad]);
    await client.query('COMMIT');
    failed = bad.length;
    const depth = await client.query<{ n: string }>("SELECT count(*) AS n FROM signals WHERE status = 'pending'");
    if (failed > 0) throw new EvaluationError(`${failed} signal(s) could not be scored and were moved to failed`);
    return Number(depth.rows[0]!.n);
  } catch (e) {
    if (!(e instanceof EvaluationError)) await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

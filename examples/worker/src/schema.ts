import type pg from 'pg';

/** The queue tables: signals move pending → evaluated → dispatched | discarded | failed. */
export async function migrate(pool: pg.Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS signals (
      id           bigserial PRIMARY KEY,
      payload      jsonb NOT NULL,
      status       text NOT NULL DEFAULT 'pending',
      score        double precision,
      created_at   timestamptz NOT NULL DEFAULT now(),
      evaluated_at timestamptz
    );
    CREATE INDEX IF NOT EXISTS signals_status ON signals (status, id);
    CREATE TABLE IF NOT EXISTS dispatches (
      signal_id  bigint PRIMARY KEY REFERENCES signals (id),
      channel    text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

-- Which worker process took a run with due work, and until when (ms): another process
-- lists the run again only once the pick has lapsed, so processes sharing one database
-- drive different runs instead of loading the same ones and losing the write.
ALTER TABLE runs ADD COLUMN picked_by TEXT;
ALTER TABLE runs ADD COLUMN picked_until BIGINT;

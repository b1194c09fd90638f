-- A run's version: every change to a run's state (its status, steps, items or jobs)
-- increments it, so a process holding the run in memory knows whether it is current.
ALTER TABLE runs ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

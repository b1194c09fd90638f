-- A webhook delivery is now claimed in the transaction that creates its run. Claims that
-- earlier versions left without a run (the process died between two transactions) are
-- given back, so the sender's next retry starts the run instead of finding a duplicate.
DELETE FROM hook_deliveries WHERE delivery_id LIKE 'hook:%' AND run_id IS NULL;

-- A webhook delivery is now claimed in the transaction that creates its run. Earlier
-- versions claimed it first and linked the run after: a process that died in between
-- left a claim without a run. Such a claim is linked to the run its delivery started if
-- that run was created, and given back otherwise, so the sender's next retry is answered
-- with the run or starts it.
UPDATE hook_deliveries SET run_id = (
    SELECT r.id FROM runs r
    WHERE r.workspace = hook_deliveries.workspace AND r.workflow = hook_deliveries.workflow
      AND r.trigger = 'webhook'
      AND CASE WHEN json_valid(r.context) THEN json_extract(r.context, '$.trigger.delivery') END
          = substr(hook_deliveries.delivery_id, 6)
    ORDER BY r.created_at LIMIT 1
)
WHERE delivery_id LIKE 'hook:%' AND run_id IS NULL;
DELETE FROM hook_deliveries WHERE delivery_id LIKE 'hook:%' AND run_id IS NULL;

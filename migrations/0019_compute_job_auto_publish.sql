-- Whether a tuning job publishes its settled output at once or awaits the model owner's
-- approval (`TuningJobOpened.auto_publish`): the plan's flag when the job opened, which the job
-- keeps whatever the plan says later, so `models.tuning_auto_publish` cannot tell it. Null for
-- jobs that are not tuning jobs, and for tuning jobs indexed before this column (re-index to
-- fill them in).
ALTER TABLE compute_jobs ADD COLUMN tuning_auto_publish boolean;

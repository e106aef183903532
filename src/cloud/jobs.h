/* jobs.h - jobs: a design (SVG, PNG, JPEG or a pulse file) compiled on the
 * worker pool into a job file, placed on the bed, queued per machine and
 * run through actions (docs/api.md "Jobs", docs/cloud.md). Actions stay
 * the low-level API; a job sits above them. */
#ifndef CLOUD_JOBS_H
#define CLOUD_JOBS_H

#include <jansson.h>
#include <stdint.h>

#include "cloud.h"
#include "gf/message.h"
#include "job_spec.h"
#include "store.h"

typedef enum job_input {
    JOB_SVG,
    JOB_PNG,
    JOB_JPEG,
    JOB_PULSE,
} job_input;

/* Record job `spec` for design file `path` (taken: unlinked when done)
 * and compile it on the worker pool. On success *id is the job (state
 * compiling); -1 on a database error (the file is removed). */
int jobs_create(cloud *c, const job_spec *spec, job_input kind,
                const char *path, const char *created_by, int64_t *id);
/* Whether another job can wait for its compile (else 503 busy). */
int jobs_can_accept(cloud *c);
/* Shutdown, after the pool stopped: drop compiles that never started. */
void jobs_stop(cloud *c);
/* Send the machine's next job if the machine is ready for it (known
 * position, nothing in flight). Called whenever that may have changed. */
void jobs_kick(cloud *c, uint64_t serial);
/* The scheduler's and the lifecycle's news about the job's actions. */
void jobs_action_finished(cloud *c, uint64_t serial, int64_t id,
                          const char *type, const char *outcome);
void jobs_event(cloud *c, uint64_t serial, const gf_msg *m);
void jobs_progress(cloud *c, uint64_t serial, const gf_msg *m);
/* Cancel: 0 done (or under way), 1 no such job, 2 already finished. */
int jobs_cancel(cloud *c, int64_t id, const char *who);
/* Put a job that was not sent (queue-ttl) back in its machine's queue:
 * 0, 1 no such job, 2 not a job that can be re-queued. */
int jobs_requeue(cloud *c, int64_t id);
/* GET /api/v1/jobs/{id}: the whole job (new reference). */
json_t *jobs_json(cloud *c, const store_job *j);

#endif

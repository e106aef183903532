/* move_file.h - the job file of one straight head move, made by the
 * service itself: a job's travel to its origin (jobs.c) and the camera's
 * homing and calibration moves (locator_camera.c). */
#ifndef CLOUD_MOVE_FILE_H
#define CLOUD_MOVE_FILE_H

#include <stdint.h>

#include "cloud.h"
#include "files.h"

/* Laser-off travel, as the design compiler travels. */
#define MOVE_FILE_SPEED 8000.0   /* steps/s: 150 mm/s */
#define MOVE_FILE_ACCEL 106667.0 /* steps/s^2: 2000 mm/s^2 */

/* Write a pulse file moving the head by (dx, dy) steps, locked to
 * `serial`, and prepare it as a job file (files_prepare: a gzip blob;
 * res->id names it). Blocking (writes and fsyncs): a worker's job; the
 * loop then records it with files_record(). 0, or -1 with res->err. */
int move_file_prepare(cloud *c, uint64_t serial, int64_t dx, int64_t dy,
                      files_result *res);

#endif

/* locator_camera.h - what the camera locator (locator_camera.c) shows
 * beyond the locator interface: where the reference place is, and the
 * calibration in GET /api/v1/machines/{serial}. Its two kinds of locator,
 * locator_camera and locator_camera_calibration, are in locator.h. */
#ifndef CLOUD_LOCATOR_CAMERA_H
#define CLOUD_LOCATOR_CAMERA_H

#include <jansson.h>
#include <stdint.h>

#include "cloud.h"

/* The bed centre, where the lid camera sees the head's logo almost
 * top-down: +242.6, +138.8 mm from home (PROTOCOL.md §17.1), in steps. */
#define LOCATOR_CAMERA_REF_X 12939
#define LOCATOR_CAMERA_REF_Y 7403

/* Set "calibrated" (true/false) in `machine` and, when calibrated,
 * "camera": the figures (pixels per mm, axes, misfit, reference place,
 * calibrated_at). */
void locator_camera_json(cloud *c, uint64_t serial, json_t *machine);

#endif

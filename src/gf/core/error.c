/* error.c - names and sentences for libgf's error codes (gf/error.h). */
#include "gf/error.h"

typedef struct {
    int code;
    const char *name;
    const char *text;
} err_entry;

static const err_entry errors[] = {
    {GF_OK, "ok", "success"},
    {GF_ENOMEM, "nomem", "out of memory"},
    {GF_EINVAL, "invalid", "invalid argument"},
    {GF_EIO, "io", "input/output error"},
    {GF_ENOTFOUND, "not_found", "not found"},
    {GF_ERANGE, "range", "value out of range"},
    {GF_ETOOBIG, "too_big", "input larger than the configured limit"},
    {GF_EJSON, "json", "not valid JSON"},
    {GF_ENOTOBJECT, "not_object", "JSON value is not an object"},
    {GF_EFIELD, "field", "required field missing or of the wrong type"},
    {GF_EMSGTYPE, "msg_type", "unknown message type"},
    {GF_EPULS_EMPTY, "puls_empty", "pulse file is empty"},
    {GF_EPULS_TRUNC, "puls_truncated", "pulse file ends inside its header"},
    {GF_EPULS_MAGIC, "puls_magic", "not a pulse file (bytes 1..3 are not GF1)"},
    {GF_EPULS_HLEN, "puls_header_length", "pulse header length is not sane"},
    {GF_EPULS_HPAST, "puls_header_past_end",
     "pulse header length runs past the end of the file"},
    {GF_EPULS_GZIP, "puls_gzip", "gzip stream is corrupt"},
    {GF_EPULS_GZTRUNC, "puls_gzip_truncated", "gzip stream is truncated"},
    {GF_EPULS_STFR, "puls_stfr",
     "STfr (step frequency) missing or out of range"},
    {GF_EPULS_PDFM, "puls_pdfm", "PDfm (pulse data format) missing or not 0"},
    {GF_EPULS_SERIAL, "puls_serial",
     "MCsn missing, or the job is locked to another machine"},
    {GF_EPULS_MICROSTEP, "puls_microstep", "XSmm/YSmm microstepping is not 8"},
    {GF_EPULS_POWER, "puls_power", "laser fires before any power byte"},
    {GF_EJPEG, "jpeg", "not a JPEG picture that can be decoded"},
    {GF_ELOC_SIZE, "camera_size",
     "the picture's size differs from the reference picture's"},
    {GF_ELOC_DARK, "camera_dark", "the picture is too dark to see the head"},
    {GF_ELOC_FLAT, "camera_flat",
     "the picture has no contrast (lid open, lens covered?)"},
    {GF_ELOC_NOTFOUND, "camera_not_found",
     "the head is not in the picture (hidden, occluded or moved far)"},
    {GF_ELOC_AMBIGUOUS, "camera_ambiguous",
     "two places in the picture match the head almost equally"},
    {GF_ELOC_EDGE, "camera_edge",
     "the head is at the edge of the picture, partly out of view"},
    {GF_ELOC_UNCALIBRATED, "camera_uncalibrated",
     "the camera has no calibration yet"},
    {GF_ELOC_CALIB, "camera_calibration",
     "the calibration moves do not give a calibration"},
    {GF_ELOC_BLOB, "camera_blob", "not a saved camera locator"},
    {GF_ELOC_DIVERGE, "camera_diverge",
     "homing by camera: the error did not shrink after a correction"},
    {GF_ELOC_NOCONVERGE, "camera_noconverge",
     "homing by camera: still off after the last correction"},
};

static const err_entry *find(int err)
{
    for (unsigned i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == err)
            return &errors[i];
    return 0;
}

const char *gf_strerror(int err)
{
    const err_entry *e = find(err);
    return e ? e->text : "unknown error";
}

const char *gf_errname(int err)
{
    const err_entry *e = find(err);
    return e ? e->name : "unknown";
}

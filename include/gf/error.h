/* gf/error.h - the error codes every libgf call returns.
 *
 * Like libuv, a libgf call that can fail returns 0 (GF_OK) or a negative
 * code from this list; gf_strerror() turns it into a sentence for a user.
 * Functions that need to say more (which field, which tag, which offset)
 * also fill a caller-supplied message buffer. */
#ifndef GF_ERROR_H
#define GF_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gf_err {
    GF_OK = 0,
    GF_ENOMEM = -1,    /* out of memory */
    GF_EINVAL = -2,    /* bad argument from the caller */
    GF_EIO = -3,       /* read or write failed (errno has more) */
    GF_ENOTFOUND = -4, /* no such item (tag, code, action type) */
    GF_ERANGE = -5,    /* value outside its allowed range */
    GF_ETOOBIG = -6,   /* input past a configured size cap */

    /* messages */
    GF_EJSON = -20,      /* not valid JSON */
    GF_ENOTOBJECT = -21, /* JSON, but not an object */
    GF_EFIELD = -22,     /* a required field is missing or has the wrong type */
    GF_EMSGTYPE = -23,   /* unknown message type */

    /* pulse files */
    GF_EPULS_EMPTY = -40,     /* no bytes at all */
    GF_EPULS_TRUNC = -41,     /* ended inside the preamble or header */
    GF_EPULS_MAGIC = -42,     /* bytes 1..3 are not "GF1" */
    GF_EPULS_HLEN = -43,      /* header length < 8 or not sane */
    GF_EPULS_HPAST = -44,     /* header length runs past the end of the file */
    GF_EPULS_GZIP = -45,      /* gzip stream corrupt */
    GF_EPULS_GZTRUNC = -46,   /* gzip stream ends early / ISIZE mismatch */
    GF_EPULS_STFR = -47,      /* STfr missing, zero or out of range */
    GF_EPULS_PDFM = -48,      /* PDfm missing or not 0 */
    GF_EPULS_SERIAL = -49,    /* MCsn missing, or locked to another machine */
    GF_EPULS_MICROSTEP = -50, /* XSmm / YSmm not 8 */
    GF_EPULS_POWER = -51,     /* a laser bit before any power byte */

    /* camera locator (gf/locate.h) */
    GF_EJPEG = -60,             /* not a JPEG the decoder can read */
    GF_ELOC_SIZE = -61,         /* picture size differs from the reference */
    GF_ELOC_DARK = -62,         /* picture too dark to see the head */
    GF_ELOC_FLAT = -63,         /* picture without contrast */
    GF_ELOC_NOTFOUND = -64,     /* nothing in the picture matches the head */
    GF_ELOC_AMBIGUOUS = -65,    /* two places match almost equally */
    GF_ELOC_EDGE = -66,         /* the best match touches the picture's edge */
    GF_ELOC_UNCALIBRATED = -67, /* no pixels-per-mm calibration yet */
    GF_ELOC_CALIB = -68,        /* calibration moves give no calibration */
    GF_ELOC_BLOB = -69,         /* not a saved locator */
    GF_ELOC_DIVERGE = -70,      /* servo: the error did not shrink */
    GF_ELOC_NOCONVERGE = -71,   /* servo: out of corrections */

    GF_ELAST = -99
} gf_err;

/* A short, stable English sentence for `err` (never NULL). */
const char *gf_strerror(int err);

/* A short stable identifier for `err`, such as "puls_magic" (never NULL);
 * what the service puts in the `code` field of a JSON error. */
const char *gf_errname(int err);

#ifdef __cplusplus
}
#endif
#endif

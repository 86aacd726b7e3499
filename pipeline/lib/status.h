/* status.h - one error enum for every esrpipe module, with a strerror table
 * and the sysexits code each maps to. Modules report errors to the caller
 * through esr_err; they never print. */
#ifndef ESR_STATUS_H
#define ESR_STATUS_H

#include <stddef.h>

typedef enum esr_status {
    ESR_OK = 0,
    ESR_ERR_NOMEM,         /* allocation failed */
    ESR_ERR_USAGE,         /* bad command line */
    ESR_ERR_INPUT_MISSING, /* input path missing or not a regular file */
    ESR_ERR_INPUT_FORMAT,  /* input is not a readable CSV export */
    ESR_ERR_INPUT_LIMIT,   /* input exceeds a named resource limit */
    ESR_ERR_SCHEMA,        /* a required column is missing */
    ESR_ERR_REJECT_RATE,   /* too many rows rejected */
    ESR_ERR_MAPPING,       /* a mapping table is missing or invalid */
    ESR_ERR_IO,            /* read or write failed */
    ESR_ERR_OUTPUT,        /* output directory cannot be created or written */
    ESR_ERR_XLSX,          /* libxlsxwriter reported an error */
    ESR_ERR_INTERNAL,      /* a bug */
    ESR_ERR_BUSY,          /* another run holds the output directory's lock */
    ESR_STATUS_COUNT
} esr_status;

/* An error as reported to the caller: status plus a message that names the
 * file, line and field where there is one. */
typedef struct esr_err {
    esr_status status;
    char msg[1024];
} esr_err;

/* Return a short description of a status. */
const char *esr_strerror(esr_status status);

/* Return the sysexits(3) exit code for a status. */
int esr_exit_code(esr_status status);

/* Set err to status with a printf-style message; returns status. */
esr_status esr_err_set(esr_err *err, esr_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

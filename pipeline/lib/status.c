/* status.c - strerror and exit-code tables for esr_status. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    const char *text;
    int exit_code;
} status_table[ESR_STATUS_COUNT] = {
    [ESR_OK] = {"no error", 0},
    [ESR_ERR_NOMEM] = {"out of memory", 70},
    [ESR_ERR_USAGE] = {"usage error", 64},
    [ESR_ERR_INPUT_MISSING] = {"input file missing", 66},
    [ESR_ERR_INPUT_FORMAT] = {"input is not a readable export", 65},
    [ESR_ERR_INPUT_LIMIT] = {"input exceeds a resource limit", 65},
    [ESR_ERR_SCHEMA] = {"required column missing", 65},
    [ESR_ERR_REJECT_RATE] = {"reject rate above the limit", 65},
    [ESR_ERR_MAPPING] = {"mapping table invalid", 65},
    [ESR_ERR_IO] = {"input/output error", 74},
    [ESR_ERR_OUTPUT] = {"cannot create output", 73},
    [ESR_ERR_XLSX] = {"workbook writer error", 74},
    [ESR_ERR_INTERNAL] = {"internal error", 70},
    [ESR_ERR_BUSY] = {"output directory busy (another run holds its lock)", 75},
};

/* Return a short description of a status. */
const char *esr_strerror(esr_status status)
{
    if ((unsigned)status >= ESR_STATUS_COUNT)
        return "unknown status";
    return status_table[status].text;
}

/* Return the sysexits(3) exit code for a status. */
int esr_exit_code(esr_status status)
{
    if ((unsigned)status >= ESR_STATUS_COUNT)
        return 70;
    return status_table[status].exit_code;
}

/* Set err to status with a printf-style message; returns status. */
esr_status esr_err_set(esr_err *err, esr_status status, const char *fmt, ...)
{
    if (!err)
        return status;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}

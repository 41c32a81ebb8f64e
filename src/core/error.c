/*
 * error.c - error codes as text, the one format used to report them, and
 * the fault-injection hook of the tests.
 */
#include "core.h"

#include <stdio.h>

int (*fault_hook)(int site);

const char *wn_version(void) { return WN_VERSION_STRING; }

const char *wn_strerror(int code)
{
    switch (code) {
    case WN_OK: return "ok";
    case WN_DOC: return "document";
    case WN_EIO: return "I/O error";
    case WN_ENOMEM: return "out of memory";
    case WN_EINVAL: return "invalid argument";
    case WN_EFORMAT: return "bad input";
    case WN_ETRUNC: return "truncated input";
    case WN_ECODEC: return "corrupt compressed data";
    case WN_ELIMIT: return "size limit exceeded";
    default: return "unknown error";
    }
}

void wn_error_format(const wn_error *err, char *out, size_t outsz)
{
    const char *msg = err->msg[0] ? err->msg : wn_strerror(err->code);
    if (err->file[0])
        snprintf(out, outsz, "%s: offset %llu: %s", err->file,
                 (unsigned long long)err->offset, msg);
    else
        snprintf(out, outsz, "%s", msg);
}

int wn_err(wn_error *err, int code, const char *file, uint64_t offset,
           const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->offset = offset;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

/*
 * channel.c - the one error channel: the calling thread's last failure
 * (afmt_error_last, as libgit2's git_error_last).  It lives in the core
 * library alone: common/error.c's AFMT_FAIL records through
 * afmt_error_set_str, so the importers' library (which carries its own
 * hidden copy of common/) writes to this same channel.
 */
#include <stdio.h>
#include <string.h>

#include "common/internal.h"

static _Thread_local struct {
    int code;
    char msg[AFMT_ERRMSG_BYTES];
} last_error;

const char *afmt_error_last(void)
{
    return last_error.msg;
}

int afmt_error_last_code(void)
{
    return last_error.code;
}

void afmt_error_clear(void)
{
    last_error.code = AFMT_OK;
    last_error.msg[0] = '\0';
}

void afmt_error_set_str(int err, const char *msg)
{
    if (msg == NULL)
        msg = afmt_strerror(err);
    if (msg != last_error.msg)
        snprintf(last_error.msg, sizeof last_error.msg, "%s", msg);
    last_error.code = err;
}

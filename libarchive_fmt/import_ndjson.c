/* import_ndjson.c - PLACEHOLDER until the ndjson importer lands; replace whole file. */
#include <stdio.h>

#include "import.h"

int afmt_import_ndjson(afmt_writer *w, int fd, const char *path, size_t path_len,
                   afmt_import_stats *stats, char *errbuf, size_t errbuf_size)
{
    (void)w; (void)fd; (void)path; (void)path_len; (void)stats;
    if (errbuf != NULL && errbuf_size > 0)
        snprintf(errbuf, errbuf_size, "the ndjson importer is not built yet");
    return AFMT_E_UNSUPPORTED;
}

/* xlsx_tmp.c - libxlsxwriter's temporary files with 64 KiB buffers.
 *
 * In constant_memory mode every sheet's rows go to a temporary file
 * (lxw_tmpfile), which the close copies into the sheet's XML, itself a
 * temporary file read again into the zip: all through stdio's default
 * 4 KiB buffer, so 110,000 read and write calls at 200k support rows
 * (strace), most of them on the workbook's thread. This definition comes
 * first in the dynamic symbol lookup, as xlsx_cell.c's and xlsx_zip.c's
 * do: it takes the library's own temporary file (made in its tmpdir and
 * already unlinked) and returns a stream over the same file whose buffer
 * is ESR_XLSX_TMP_BUFFER bytes, freed by the stream's close. Nothing else
 * changes: same file, same bytes, same errors. */
#define _GNU_SOURCE /* RTLD_NEXT, fopencookie */
#include "xlsx_tmp.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef FILE *(*tmpfile_fn)(char *);

static tmpfile_fn lib_tmpfile;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

/* Find the library's own lxw_tmpfile. */
static void lib_find(void)
{
    lib_tmpfile = (tmpfile_fn)dlsym(RTLD_NEXT, "lxw_tmpfile");
}

/* A temporary file's stream state: its descriptor and stdio's buffer. */
typedef struct tmp_stream {
    int fd;
    char buf[ESR_XLSX_TMP_BUFFER];
} tmp_stream;

/* The stream's read: read(2), as a FILE over fd would. */
static ssize_t tmp_read(void *c, char *p, size_t n)
{
    ssize_t r;
    do
        r = read(((tmp_stream *)c)->fd, p, n);
    while (r < 0 && errno == EINTR);
    return r;
}

/* The stream's write: all of p, or the count written (errno says why). */
static ssize_t tmp_write(void *c, const char *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(((tmp_stream *)c)->fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    return (ssize_t)done;
}

/* The stream's seek: lseek(2). */
static int tmp_seek(void *c, off64_t *off, int whence)
{
    off_t r = lseek(((tmp_stream *)c)->fd, (off_t)*off, whence);
    if (r < 0)
        return -1;
    *off = (off64_t)r;
    return 0;
}

/* The stream's close: stdio has flushed the buffer and is done with it. */
static int tmp_close(void *c)
{
    tmp_stream *t = c;
    int r = close(t->fd);
    free(t);
    return r;
}

/* The library's temporary file, buffered (see xlsx_tmp.h). */
FILE *lxw_tmpfile(char *tmpdir)
{
    static const cookie_io_functions_t io = {
        .read = tmp_read, .write = tmp_write, .seek = tmp_seek, .close = tmp_close};
    pthread_once(&lib_once, lib_find);
    FILE *f = lib_tmpfile ? lib_tmpfile(tmpdir) : NULL;
    if (!f)
        return NULL;
    tmp_stream *t = malloc(sizeof *t);
    if (!t)
        return f; /* short of memory: the library's own stream does */
    FILE *g = NULL;
    if ((t->fd = fcntl(fileno(f), F_DUPFD_CLOEXEC, 0)) < 0 || !(g = fopencookie(t, "w+", io))) {
        if (t->fd >= 0)
            close(t->fd);
        free(t);
        return f;
    }
    (void)setvbuf(g, t->buf, _IOFBF, sizeof t->buf); /* else stdio's own buffer */
    fclose(f);                                       /* the file lives on through t->fd */
    return g;
}

/* Put the buffered temporary files in force (see xlsx_tmp.h). */
void xlsx_tmp_use(void)
{
    pthread_once(&lib_once, lib_find);
}

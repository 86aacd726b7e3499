/* consolidate.c - placeholder: being written (issue 6). */
#include "consolidate.h"

#include <stdio.h>

int consolidate_cli(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "esrpipe: consolidate: not built yet\n");
    return 70;
}

/*
 * winnow_mpi.c - `winnow-mpi run ...`: `winnow run` spread over the ranks
 * of an MPI job that share OUTDIR (a shared file system).
 *
 *   mpirun -np 16 winnow-mpi run crawl/ -o /shared/corpus
 *
 * Same options and output as `winnow run`, byte for byte.  Rank r observes
 * files r, r+N, ... for each first pass (site_lines), the ranks meet at a
 * barrier and each merges what all observed, so the corpus is read once
 * per first pass, not N times.  Rank r then does the per-file work of the
 * same files; the ranks meet at a barrier, then
 * share each dedup stage's units the same way, stage by stage; rank 0
 * finally writes the shards, stats.json and report.html.  A failed or
 * killed job is resumed by running it again (finished units are kept).
 * Built by `make MPI=1`; the library itself never links MPI.
 */
#include "../cli/cli.h"

#include <mpi.h>
#include <stdio.h>
#include <string.h>

/* Agrees on the worst (lowest) return code of all ranks. */
static int agree(int rc)
{
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all;
}

static int mpi_exec(wn_run **run, const wn_config *cfg,
                    const char *const *inputs, size_t n, const char *outdir,
                    wn_error *err)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* agree() is the barrier between saving a share and merging them all:
     * no rank learns the minimum before every rank has given its own. */
    int rc, all;
    do
        rc = wn_run_observe_part(*run, inputs, n, outdir, (unsigned)rank,
                                 (unsigned)size, err);
    while ((all = agree(rc)) > 0);
    if (all < 0)
        goto fail;
    rc = wn_run_exec_part(*run, inputs, n, outdir, (unsigned)rank,
                          (unsigned)size, err);
    if (agree(rc) < 0)
        goto fail;
    for (int st = WN_DEDUP_SIG; st < WN_DEDUP_NSTAGES; st++) {
        unsigned units = wn_run_dedup_units(*run, st);
        for (unsigned u = (unsigned)rank; u < units && !rc;
             u += (unsigned)size)
            rc = wn_run_dedup_unit(*run, st, u, err);
        if (agree(rc) < 0)
            goto fail;
    }
    if (rank == 0) {
        wn_run *last;
        if (!(rc = wn_run_new(cfg, &last, err))) {
            wn_run_set_flags(last, wn_run_flags(*run));
            rc = wn_run_exec(last, inputs, n, outdir, err);
            *run = last;
        }
    } else
        *run = NULL; /* rank 0 reports */
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return rc;
fail:
    if (rc >= 0) { /* another rank failed: say so here too */
        rc = WN_EIO;
        snprintf(err->msg, sizeof err->msg, "another rank failed");
        err->file[0] = 0;
        err->code = rc;
    }
    if (rank)
        *run = NULL;
    return rc;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rc;
    if (argc >= 2 && !strcmp(argv[1], "run")) {
        cli_run_exec = mpi_exec;
        rc = cmd_run(argc - 1, argv + 1);
    } else {
        fprintf(stderr, "usage: mpirun -np N winnow-mpi run [winnow run "
                        "options] INPUT... -o OUTDIR\n");
        rc = EXIT_USAGE;
    }
    MPI_Finalize();
    return rc;
}

/*
 * codec_bench.c - decompression speed of the gzip libraries winnow could
 * use, on one multi-member file already in memory (so I/O is out of the
 * picture): zlib (streaming inflate), ISA-L igzip (streaming), libdeflate
 * (whole-member; usable only when members are small and in memory).
 * Prints MB/s of decompressed output, median of 5 runs each.
 * usage: codec_bench FILE.gz
 */
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static unsigned char *in;
static size_t in_n;
static unsigned char out[1 << 20];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static size_t run_zlib(void)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    inflateInit2(&z, 15 + 16);
    z.next_in = in;
    z.avail_in = (uInt)in_n;
    size_t total = 0;
    while (z.avail_in) {
        z.next_out = out;
        z.avail_out = sizeof out;
        int r = inflate(&z, Z_NO_FLUSH);
        total += sizeof out - z.avail_out;
        if (r == Z_STREAM_END)
            inflateReset(&z);
        else if (r != Z_OK)
            break;
    }
    inflateEnd(&z);
    return total;
}

static size_t run_isal(void)
{
    static struct inflate_state st;
    isal_inflate_init(&st);
    st.crc_flag = ISAL_GZIP;
    st.next_in = in;
    st.avail_in = (uint32_t)in_n;
    size_t total = 0;
    while (st.avail_in) {
        st.next_out = out;
        st.avail_out = sizeof out;
        int r = isal_inflate(&st);
        total += sizeof out - st.avail_out;
        if (r != ISAL_DECOMP_OK)
            break;
        if (st.block_state == ISAL_BLOCK_FINISH) {
            unsigned char *p = st.next_in;
            uint32_t a = st.avail_in;
            isal_inflate_reset(&st);
            st.crc_flag = ISAL_GZIP;
            st.next_in = p;
            st.avail_in = a;
        }
    }
    return total;
}

static size_t run_libdeflate(void)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t pos = 0, total = 0;
    while (pos < in_n) {
        size_t used, got;
        if (libdeflate_gzip_decompress_ex(d, in + pos, in_n - pos, out,
                                          sizeof out, &used, &got) !=
            LIBDEFLATE_SUCCESS)
            break;
        pos += used;
        total += got;
    }
    libdeflate_free_decompressor(d);
    return total;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 1;
    fseek(f, 0, SEEK_END);
    in_n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    in = malloc(in_n);
    if (fread(in, 1, in_n, f) != in_n)
        return 1;
    fclose(f);
    struct {
        const char *name;
        size_t (*fn)(void);
    } libs[] = {{"zlib", run_zlib}, {"isa-l", run_isal}, {"libdeflate", run_libdeflate}};
    for (int k = 0; k < 3; k++) {
        double t[5];
        size_t n = 0;
        for (int i = 0; i < 5; i++) {
            double a = now();
            n = libs[k].fn();
            t[i] = now() - a;
        }
        qsort(t, 5, sizeof *t, cmp);
        printf("%-11s %8.1f MB/s decompressed (%zu bytes, median of 5)\n",
               libs[k].name, n / t[2] / 1e6, n);
    }
    return 0;
}

/*
 * cld2_calls.cc - CLD2's speed as a function of the text handed to one
 * call (issue 12, item 2): the same bytes scored as one call per document
 * and as calls over fixed-size pieces of their concatenation.  If CLD2 had
 * a large fixed cost per call, batching short documents would pay; it does
 * not (figures in docs/notes/issue-12.md), so its per-byte cost bounds the
 * default job.
 *
 * Input: texts as a stream of (uint32 little-endian length, bytes) records
 * (bench_cld2.sh writes them from a run's output).
 */
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

static double cpu_now()
{
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void detect(const char *p, size_t n)
{
    CLD2::Language l3[3];
    int p3[3], tb;
    double n3[3];
    bool ok;
    CLD2::CLDHints h = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING,
                        CLD2::UNKNOWN_LANGUAGE};
    CLD2::ExtDetectLanguageSummary(p, (int)n, true, &h, 0, l3, p3, n3,
                                   nullptr, &tb, &ok);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: cld2_calls TEXTS.bin [PIECE_BYTES...]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    std::vector<std::string> docs;
    std::string all;
    uint32_t n;
    while (fread(&n, 4, 1, f) == 1) {
        std::string s(n, '\0');
        if (n && fread(&s[0], 1, n, f) != n)
            break;
        all += s;
        all += '\n';
        docs.push_back(std::move(s));
    }
    fclose(f);
    double t0 = cpu_now();
    for (const std::string &s : docs)
        detect(s.data(), s.size());
    double t = cpu_now() - t0;
    printf("  one call per document: %zu calls, %.1f MB/s\n", docs.size(),
           all.size() / t / 1e6);
    for (int i = 2; i < argc; i++) {
        size_t piece = strtoul(argv[i], nullptr, 10), calls = 0;
        if (!piece)
            continue;
        t0 = cpu_now();
        for (size_t off = 0; off < all.size(); off += piece, calls++)
            detect(all.data() + off, std::min(piece, all.size() - off));
        t = cpu_now() - t0;
        printf("  pieces of %6zu bytes: %zu calls, %.1f MB/s\n", piece, calls,
               all.size() / t / 1e6);
    }
    return 0;
}

/* parquet-rows: the sink's Parquet writer alone, for bench/formats.sh.
 * Builds ROWS rows of the typed table's columns in memory (the values
 * bench/parquet_rows.py gives pyarrow), then times writing them through
 * bridge/sink/parquet.h into one file with CODEC, one thread: the values
 * set, the rows ended, the row groups and footer made, the file written.
 * Prints "rows/s seconds".
 *
 *   parquet-rows ROWS none|snappy|zstd FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sink/parquet.h"

#define ROW_GROUP_BYTES (8u << 20)

enum { ID, QTY, TOTAL, PRICE, WIDE, UBIG, RATIO, AMOUNT, NAME, RAW, FLAG, DAY, DUR, PLACED, COLUMNS };

static const struct parquet_column columns[COLUMNS] = {
    {"id", PARQUET_INT32, 0, 0, 0},       {"qty", PARQUET_INT32, 0, 0, 1},        {"total", PARQUET_INT64, 0, 0, 1},
    {"price", PARQUET_DECIMAL, 10, 2, 1}, {"wide", PARQUET_DECIMAL, 65, 30, 1},   {"ubig", PARQUET_DECIMAL, 20, 0, 1},
    {"ratio", PARQUET_FLOAT, 0, 0, 1},    {"amount", PARQUET_DOUBLE, 0, 0, 1},    {"name", PARQUET_STRING, 0, 0, 1},
    {"raw", PARQUET_BYTES, 0, 0, 1},      {"flag", PARQUET_BOOLEAN, 0, 0, 1},     {"day", PARQUET_DATE, 0, 0, 1},
    {"dur", PARQUET_STRING, 0, 0, 1},     {"placed", PARQUET_TIMESTAMP, 0, 0, 1},
};

/* One row's values, made before the clock starts. */
struct row {
    int null;
    int32_t id, qty, day;
    int64_t total, price, wide, ubig, placed;
    float ratio;
    double amount;
    char name[64], dur[24];
    unsigned char raw[4];
    int flag;
};

static void big_endian(int64_t v, unsigned char out[8]) {
    for (int k = 7; k >= 0; k--, v >>= 8)
        out[k] = (unsigned char)(v & 0xff);
}

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int put_row(struct parquet_writer *w, const struct row *r) {
    unsigned char be[8];
    if (parquet_writer_int32(w, ID, r->id))
        return -1;
    if (r->null) {
        for (int c = QTY; c < COLUMNS; c++)
            if (parquet_writer_null(w, (size_t)c))
                return -1;
        return parquet_writer_end_row(w) ? -1 : 0;
    }
    int rc = parquet_writer_int32(w, QTY, r->qty) || parquet_writer_int64(w, TOTAL, r->total);
    big_endian(r->price, be);
    rc = rc || parquet_writer_decimal(w, PRICE, be, 8);
    big_endian(r->wide, be);
    rc = rc || parquet_writer_decimal(w, WIDE, be, 8);
    big_endian(r->ubig, be);
    rc = rc || parquet_writer_decimal(w, UBIG, be, 8) || parquet_writer_float(w, RATIO, r->ratio) ||
         parquet_writer_double(w, AMOUNT, r->amount) || parquet_writer_bytes(w, NAME, r->name, strlen(r->name)) ||
         parquet_writer_bytes(w, RAW, r->raw, sizeof r->raw) || parquet_writer_bool(w, FLAG, r->flag) ||
         parquet_writer_int32(w, DAY, r->day) || parquet_writer_bytes(w, DUR, r->dur, strlen(r->dur)) ||
         parquet_writer_int64(w, PLACED, r->placed) || parquet_writer_end_row(w);
    return rc ? -1 : 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: parquet-rows ROWS none|snappy|zstd FILE\n");
        return 2;
    }
    long rows = atol(argv[1]);
    enum parquet_compression codec = PARQUET_COMPRESSION_NONE;
    if (strcmp(argv[2], "snappy") == 0)
        codec = PARQUET_COMPRESSION_SNAPPY;
    else if (strcmp(argv[2], "zstd") == 0)
        codec = PARQUET_COMPRESSION_ZSTD;
    else if (strcmp(argv[2], "none") != 0) {
        fprintf(stderr, "parquet-rows: codec %s: none, snappy or zstd\n", argv[2]);
        return 2;
    }
    struct row *data = calloc((size_t)rows, sizeof *data);
    if (rows <= 0 || !data) {
        fprintf(stderr, "parquet-rows: ROWS %s: a positive count that fits in memory\n", argv[1]);
        return 2;
    }
    for (long i = 0; i < rows; i++) {
        struct row *r = &data[i];
        r->null = i % 7 == 3;
        r->id = (int32_t)i;
        r->qty = (int32_t)(i % 1000 - 500);
        r->total = (int64_t)i * 1000003 - (1LL << 40);
        r->price = (i % 100000) * 100 + i % 100;
        if (i % 5 == 0)
            r->price = -r->price;
        r->wide = r->ubig = i;
        r->ratio = (float)((double)i / 8 + 0.1);
        r->amount = (double)i * 0.25 - 1e6;
        snprintf(r->name, sizeof r->name, "customer %ld \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", i);
        r->raw[0] = (unsigned char)(i % 256);
        r->raw[2] = 255;
        r->raw[3] = 10;
        r->flag = i % 2 == 0;
        r->day = (int32_t)(i % 36500 - 7300);
        snprintf(r->dur, sizeof r->dur, "%02ld:%02ld:%02ld.5", i % 839, i % 60, i % 60);
        r->placed = 631152000000000LL + (int64_t)i * 1000003;
    }
    double start = seconds();
    struct parquet_writer *w = parquet_writer_new(columns, COLUMNS, codec, ROW_GROUP_BYTES);
    for (long i = 0; w && i < rows; i++)
        if (put_row(w, &data[i]) != 0) {
            fprintf(stderr, "parquet-rows: row %ld: %s\n", i, parquet_writer_error(w));
            return 1;
        }
    size_t len = 0;
    const unsigned char *file = w ? parquet_writer_finish(w, &len) : NULL;
    FILE *out = file ? fopen(argv[3], "wb") : NULL;
    if (!out || fwrite(file, 1, len, out) != len || fclose(out) != 0) {
        fprintf(stderr, "parquet-rows: cannot write %s\n", argv[3]);
        return 1;
    }
    double took = seconds() - start;
    printf("%.0f %.3f\n", (double)rows / took, took);
    parquet_writer_free(w);
    free(data);
    return 0;
}

/* B2's naive peer (docs/benchmarks.md): the program a user writes with GDAL's and GEOS's C APIs
 * to do what `pantau locate` does. An STRtree over the districts, one prepared geometry each, one
 * GEOS point per input line; boundary counts as inside and the byte-wise lowest code wins.
 * Nothing is repaired or reprojected: B2's layers are valid lon/lat WGS84 (run_b2.sh checks that
 * the answers are pantau's).
 *
 * Usage: naive_locate LAYER_FILE [CODE_FIELD (default: code, else kode)] < lon,lat lines > codes
 */
#include <gdal.h>
#include <geos_c.h>
#include <ogr_api.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct district {
    char* code;
    GEOSGeometry* geom;
    const GEOSPreparedGeometry* prepared;
};

struct query {
    GEOSContextHandle_t ctx;
    const GEOSGeometry* point;
    const struct district* best;
};

static int by_code(const void* a, const void* b)
{
    return strcmp(((const struct district*)a)->code, ((const struct district*)b)->code);
}

/* The districts are sorted by code, so a lower address is a lower code: a candidate above the
 * best so far cannot win and skips its covers test. */
static void visit(void* item, void* data)
{
    struct query* q = data;
    const struct district* d = item;
    if ((q->best == NULL || d < q->best) && GEOSPreparedCovers_r(q->ctx, d->prepared, q->point) == 1)
        q->best = d;
}

static void die(const char* what, const char* detail)
{
    fprintf(stderr, "naive_locate: %s%s\n", what, detail);
    exit(1);
}

int main(int argc, char** argv)
{
    if (argc < 2 || argc > 3)
        die("usage: naive_locate LAYER_FILE [CODE_FIELD] < points > codes", "");
    GDALAllRegister();
    GDALDatasetH ds = GDALOpenEx(argv[1], GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (ds == NULL)
        die("cannot open ", argv[1]);
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int code_i = OGR_FD_GetFieldIndex(defn, argc == 3 ? argv[2] : "code");
    if (code_i < 0 && argc == 2)
        code_i = OGR_FD_GetFieldIndex(defn, "kode");
    if (code_i < 0)
        die("no code field in ", argv[1]);

    GEOSContextHandle_t ctx = GEOS_init_r();
    GEOSWKBReader* reader = GEOSWKBReader_create_r(ctx);
    struct district* districts = NULL;
    size_t n = 0, cap = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g != NULL) {
            size_t size = (size_t)OGR_G_WkbSize(g);
            unsigned char* wkb = malloc(size);
            OGR_G_ExportToWkb(g, wkbNDR, wkb);
            if (n == cap)
                districts = realloc(districts, (cap = cap ? 2 * cap : 256) * sizeof *districts);
            districts[n].code = strdup(OGR_F_GetFieldAsString(f, code_i));
            districts[n].geom = GEOSWKBReader_read_r(ctx, reader, wkb, size);
            if (districts[n].geom == NULL)
                die("unreadable geometry for ", districts[n].code);
            ++n;
            free(wkb);
        }
        OGR_F_Destroy(f);
    }
    GDALClose(ds);

    qsort(districts, n, sizeof *districts, by_code);
    GEOSSTRtree* tree = GEOSSTRtree_create_r(ctx, 10);
    for (size_t i = 0; i < n; ++i) {
        districts[i].prepared = GEOSPrepare_r(ctx, districts[i].geom);
        GEOSSTRtree_insert_r(ctx, tree, districts[i].geom, &districts[i]);
    }

    char line[4096];
    while (fgets(line, sizeof line, stdin) != NULL) {
        double lon, lat;
        struct query q = {ctx, NULL, NULL};
        if (sscanf(line, "%lf,%lf", &lon, &lat) == 2) {
            GEOSGeometry* point = GEOSGeom_createPointFromXY_r(ctx, lon, lat);
            q.point = point;
            GEOSSTRtree_query_r(ctx, tree, point, visit, &q);
            GEOSGeom_destroy_r(ctx, point);
        }
        if (q.best != NULL)
            fputs(q.best->code, stdout);
        putchar('\n');
    }
    return ferror(stdout) || fflush(stdout) != 0;
}

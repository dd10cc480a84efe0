/* The dashboard's views: each answers one GET under /api/ from the store's
 * aggregates, as JSON (default) or CSV (?format=csv). This is the boundary
 * between the data side (store, lake loader) and the serving side (HTTP,
 * page, the pipeline probe): the server hands every /api/ request but
 * /api/pipeline here and sends back what it gets; it knows nothing of the
 * data.
 *
 * Paths (the page uses every one):
 *   /api/kpis                 revenue, orders, units, average order value
 *   /api/revenue_per_minute   revenue and orders per minute
 *   /api/products             revenue, units and margin by product, top N (?top=N, ?by=revenue|units|margin)
 *   /api/customers            sales by customer, top N (?by=revenue|units|orders)
 *   /api/cities               sales by city (the customers' current city), top N (?by= as customers)
 *   /api/stock                stock per product (purchases - sales), demand over the last 3 minutes
 *                             (3-minute windows hopping by 1 minute), out of stock or not
 *   /api/out_of_stock         out-of-stock events and the purchase orders raised
 *   /api/pipeline             (the server's own: each stage's count, rate, lag, latency; not here)
 * Filters on every view: ?from=&to= (ISO 8601 or epoch ms, order time),
 * ?dc=dc01; ?top=1..1000 (default 10; stock lists every product),
 * ?format=json|csv. CSV is a header row and the rows of the view's first
 * (or only) table: out_of_stock gives its purchase orders. Money is written as exact decimal text with two places
 * ("1234.50"), in JSON as a string. A bad parameter answers 400 with
 * {"error":"<one line naming the parameter and what is allowed>"}; an
 * unknown path 404. */
#ifndef BRIDGELAB_DASHBOARD_VIEWS_H
#define BRIDGELAB_DASHBOARD_VIEWS_H

#include <stddef.h>

struct views;
struct store;

/* Views over store (the caller's, alive until views_free). NULL when out of
 * memory. */
struct views *views_new(struct store *store);
void views_free(struct views *v);

/* A request's query parameters: arg returns the value of name, or NULL. */
struct view_request {
    const char *path; /* e.g. "/api/kpis", without the query string */
    const char *(*arg)(void *ctx, const char *name);
    void *ctx;
};

struct view_reply {
    int status;               /* 200, 400, 404, 500, 503 */
    const char *content_type; /* "application/json", "text/csv; charset=utf-8" */
    char *body;               /* malloc'd; the caller frees it */
    size_t len;
};

/* Answers one request (thread-safe: any number of threads at once). */
void views_answer(struct views *v, const struct view_request *req, struct view_reply *out);

#endif

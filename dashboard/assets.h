/* The files the dashboard serves, built into the binary: the page
 * (index.html, app.js, style.css, favicon.svg) and uPlot from npm. make runs
 * dashboard/embed_assets.sh over them into a generated C file under build/,
 * so the page needs no network and nothing is ever read from the file
 * system at run time: a name not in this fixed table does not exist. */
#ifndef BRIDGELAB_DASHBOARD_ASSETS_H
#define BRIDGELAB_DASHBOARD_ASSETS_H

#include <stddef.h>

struct asset {
    const char *name;         /* "app.js": a plain file name, no '/' */
    const char *content_type; /* "text/javascript; charset=utf-8" */
    const unsigned char *data;
    size_t len;
};

/* The asset named exactly name, or NULL. */
const struct asset *asset_find(const char *name);

#endif

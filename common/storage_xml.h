/* Just enough XML for Azure's answers (List Blobs pages, error bodies): a
 * document parsed into a tree of elements with their attributes and their
 * text, entities and character references decoded, CDATA kept, comments
 * and processing instructions skipped. No namespaces, no DTDs (refused). */
#ifndef BRIDGELAB_STORAGE_XML_H
#define BRIDGELAB_STORAGE_XML_H

#include <stddef.h>

struct xml_attr {
    char *name;
    char *value;
    struct xml_attr *next;
};

struct xml_node {
    char *name;
    char *text; /* the element's own text (its children's excluded), decoded; never NULL */
    struct xml_attr *attrs;
    struct xml_node *children; /* in document order */
    struct xml_node *next;
};

/* Parses a whole document. Returns its root element, or NULL with err
 * saying what is wrong and where. */
struct xml_node *xml_parse(const char *doc, size_t len, char *err, size_t errlen);
void xml_free(struct xml_node *root);

/* The first child element named name, or NULL. */
const struct xml_node *xml_child(const struct xml_node *node, const char *name);
/* The text of that child, or NULL when there is none. */
const char *xml_child_text(const struct xml_node *node, const char *name);
/* The value of an attribute, or NULL. */
const char *xml_attr(const struct xml_node *node, const char *name);

#endif

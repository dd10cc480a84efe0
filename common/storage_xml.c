/* A small XML reader for Azure's answers: see storage_xml.h. A recursive
 * descent over the bytes, depth-limited, that refuses what it does not
 * understand rather than guessing. */
#include "storage_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct parser {
    const char *doc, *p, *end;
    char *err;
    size_t errlen;
    int failed;
};

struct buf {
    char *s;
    size_t len, cap;
};

static void fail(struct parser *ps, const char *what) {
    if (!ps->failed)
        snprintf(ps->err, ps->errlen, "not XML at byte %zu: %s", (size_t)(ps->p - ps->doc), what);
    ps->failed = 1;
}

static int buf_add(struct buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

/* The buffer's string (an empty one when nothing was added), or NULL. */
static char *buf_take(struct buf *b) {
    if (!b->s && buf_add(b, "", 0) != 0)
        return NULL;
    return b->s;
}

static int starts(const struct parser *ps, const char *s) {
    size_t n = strlen(s);
    return ps->p <= ps->end && (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void skip_space(struct parser *ps) {
    while (ps->p < ps->end && is_space(*ps->p))
        ps->p++;
}

/* Moves past the next occurrence of s; fails when there is none. */
static void skip_past(struct parser *ps, const char *s, const char *what) {
    size_t n = strlen(s);
    for (const char *q = ps->p; q + n <= ps->end; q++) {
        if (memcmp(q, s, n) == 0) {
            ps->p = q + n;
            return;
        }
    }
    fail(ps, what);
}

static int allowed_char(unsigned long cp) {
    return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
           (cp >= 0x10000 && cp <= 0x10ffff);
}

static size_t utf8_encode(unsigned long cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the reference at ps->p ('&') into b. */
static void reference(struct parser *ps, struct buf *b) {
    static const struct {
        const char *name;
        char c;
    } named[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (starts(ps, named[i].name)) {
            ps->p += strlen(named[i].name);
            if (buf_add(b, &named[i].c, 1) != 0)
                fail(ps, "out of memory");
            return;
        }
    }
    if (!starts(ps, "&#")) {
        fail(ps, "an unknown entity");
        return;
    }
    const char *q = ps->p + 2;
    int hex = q < ps->end && *q == 'x';
    q += hex;
    unsigned long cp = 0;
    int digits = 0;
    for (; q < ps->end && *q != ';' && digits < 8; q++, digits++) {
        int d = *q >= '0' && *q <= '9'          ? *q - '0'
                : hex && *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
                : hex && *q >= 'A' && *q <= 'F' ? *q - 'A' + 10
                                                : -1;
        if (d < 0)
            break;
        cp = cp * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (!digits || q >= ps->end || *q != ';' || !allowed_char(cp)) {
        fail(ps, "a bad character reference");
        return;
    }
    char u[4];
    size_t n = utf8_encode(cp, u);
    if (buf_add(b, u, n) != 0)
        fail(ps, "out of memory");
    ps->p = q + 1;
}

/* Text up to '<' (or stop, when not 0), references decoded. */
static void text(struct parser *ps, struct buf *b, char stop) {
    while (!ps->failed && ps->p < ps->end) {
        char c = *ps->p;
        if (c == '<' || (stop && c == stop))
            return;
        if (c == '\0') {
            fail(ps, "a NUL byte");
            return;
        }
        if (c == '&') {
            reference(ps, b);
            continue;
        }
        const char *q = ps->p;
        while (q < ps->end && *q != '<' && *q != '&' && *q != '\0' && !(stop && *q == stop))
            q++;
        if (buf_add(b, ps->p, (size_t)(q - ps->p)) != 0)
            fail(ps, "out of memory");
        ps->p = q;
    }
}

static char *name(struct parser *ps) {
    const char *start = ps->p;
    while (ps->p < ps->end && !is_space(*ps->p) && !strchr("/>=<\"'&", *ps->p) && *ps->p)
        ps->p++;
    if (ps->p == start) {
        fail(ps, "a name expected");
        return NULL;
    }
    char *n = strndup(start, (size_t)(ps->p - start));
    if (!n)
        fail(ps, "out of memory");
    return n;
}

static void attribute(struct parser *ps, struct xml_node *node) {
    struct xml_attr *a = calloc(1, sizeof *a);
    if (!a) {
        fail(ps, "out of memory");
        return;
    }
    a->next = node->attrs;
    node->attrs = a;
    a->name = name(ps);
    skip_space(ps);
    if (ps->failed || ps->p >= ps->end || *ps->p != '=') {
        fail(ps, "'=' expected after an attribute name");
        return;
    }
    ps->p++;
    skip_space(ps);
    char quote = ps->p < ps->end ? *ps->p : 0;
    if (quote != '"' && quote != '\'') {
        fail(ps, "a quoted attribute value expected");
        return;
    }
    ps->p++;
    struct buf b = {0};
    text(ps, &b, quote);
    a->value = buf_take(&b);
    if (!ps->failed && (ps->p >= ps->end || *ps->p != quote))
        fail(ps, "an unterminated attribute value");
    if (!ps->failed)
        ps->p++;
}

static struct xml_node *element(struct parser *ps, int depth);

/* The content of node up to and including its end tag. */
static void content(struct parser *ps, struct xml_node *node, int depth) {
    struct buf b = {0};
    struct xml_node **tail = &node->children;
    while (!ps->failed) {
        if (ps->p >= ps->end) {
            fail(ps, "the document ends inside an element");
        } else if (starts(ps, "</")) {
            ps->p += 2;
            char *end = name(ps);
            if (end && strcmp(end, node->name) != 0)
                fail(ps, "an end tag that does not match its start tag");
            free(end);
            skip_space(ps);
            if (!ps->failed && (ps->p >= ps->end || *ps->p != '>'))
                fail(ps, "'>' expected");
            if (!ps->failed)
                ps->p++;
            break;
        } else if (starts(ps, "<!--")) {
            skip_past(ps, "-->", "an unterminated comment");
        } else if (starts(ps, "<![CDATA[")) {
            ps->p += 9;
            const char *start = ps->p;
            skip_past(ps, "]]>", "an unterminated CDATA section");
            if (!ps->failed && buf_add(&b, start, (size_t)(ps->p - 3 - start)) != 0)
                fail(ps, "out of memory");
        } else if (starts(ps, "<?")) {
            skip_past(ps, "?>", "an unterminated processing instruction");
        } else if (*ps->p == '<') {
            struct xml_node *child = element(ps, depth + 1);
            if (child) {
                *tail = child;
                tail = &child->next;
            }
        } else {
            text(ps, &b, 0);
        }
    }
    node->text = buf_take(&b);
    if (!node->text)
        fail(ps, "out of memory");
}

/* An element at ps->p ('<'). */
static struct xml_node *element(struct parser *ps, int depth) {
    if (depth > MAX_DEPTH) {
        fail(ps, "elements nested too deep");
        return NULL;
    }
    struct xml_node *node = calloc(1, sizeof *node);
    if (!node) {
        fail(ps, "out of memory");
        return NULL;
    }
    ps->p++;
    node->name = name(ps);
    while (!ps->failed) {
        skip_space(ps);
        if (starts(ps, "/>")) {
            ps->p += 2;
            node->text = strdup("");
            if (!node->text)
                fail(ps, "out of memory");
            return node;
        }
        if (starts(ps, ">")) {
            ps->p++;
            content(ps, node, depth);
            return node;
        }
        attribute(ps, node);
    }
    return node;
}

/* White space, comments and processing instructions between the parts. */
static void misc(struct parser *ps) {
    for (;;) {
        skip_space(ps);
        if (starts(ps, "<?"))
            skip_past(ps, "?>", "an unterminated processing instruction");
        else if (starts(ps, "<!--"))
            skip_past(ps, "-->", "an unterminated comment");
        else
            return;
        if (ps->failed)
            return;
    }
}

struct xml_node *xml_parse(const char *doc, size_t len, char *err, size_t errlen) {
    struct parser ps = {doc, doc, doc + len, err, errlen, 0};
    if (starts(&ps, "\xef\xbb\xbf"))
        ps.p += 3;
    misc(&ps);
    struct xml_node *root = NULL;
    if (starts(&ps, "<!"))
        fail(&ps, "a DTD (not accepted)");
    else if (ps.p >= ps.end || *ps.p != '<')
        fail(&ps, "no root element");
    else
        root = element(&ps, 0);
    misc(&ps);
    if (!ps.failed && ps.p != ps.end)
        fail(&ps, "content after the root element");
    if (ps.failed) {
        xml_free(root);
        return NULL;
    }
    return root;
}

void xml_free(struct xml_node *node) {
    while (node) {
        struct xml_node *next = node->next;
        xml_free(node->children);
        for (struct xml_attr *a = node->attrs; a;) {
            struct xml_attr *an = a->next;
            free(a->name);
            free(a->value);
            free(a);
            a = an;
        }
        free(node->name);
        free(node->text);
        free(node);
        node = next;
    }
}

const struct xml_node *xml_child(const struct xml_node *node, const char *childname) {
    for (const struct xml_node *c = node ? node->children : NULL; c; c = c->next)
        if (strcmp(c->name, childname) == 0)
            return c;
    return NULL;
}

const char *xml_child_text(const struct xml_node *node, const char *childname) {
    const struct xml_node *c = xml_child(node, childname);
    return c ? c->text : NULL;
}

const char *xml_attr(const struct xml_node *node, const char *attrname) {
    for (const struct xml_attr *a = node->attrs; a; a = a->next)
        if (a->name && strcmp(a->name, attrname) == 0)
            return a->value;
    return NULL;
}

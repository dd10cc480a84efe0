/* Unit tests for common/storage_xml.c: Azure's answers as it writes them
 * (a List Blobs page, an error body), the XML forms a name can take
 * (entities, character references, CDATA, an Encoded attribute), and
 * broken documents refused with the byte where they broke. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "assert_text.h"

#include "storage_xml.h"

static struct xml_node *parse(const char *doc) {
    char err[256] = "";
    struct xml_node *root = xml_parse(doc, strlen(doc), err, sizeof err);
    if (!root) {
        print_error("%s\n", err);
        fail();
    }
    return root;
}

static void test_list_page(void **state) {
    (void)state;
    const char *doc =
        "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
        "<EnumerationResults ServiceEndpoint=\"http://127.0.0.1:10000/devstoreaccount1\" ContainerName='lake'>"
        "<Prefix>a/</Prefix><MaxResults>2</MaxResults><Delimiter>/</Delimiter>"
        "<Blobs><Blob><Name>a/x &amp; y &lt;1&gt; &quot;q&quot; &apos;s&apos;.json</Name>"
        "<Properties><Last-Modified>Wed, 02 Dec 2026 04:50:56 GMT</Last-Modified><Content-Length>42</Content-Length>"
        "<Content-Type /></Properties><Metadata><start_offset>7</start_offset><Empty/></Metadata></Blob>"
        "<!-- a comment --><BlobPrefix><Name>a/&#252;&#x20AC;&#x1F600;/</Name></BlobPrefix>"
        "<Blob><Name Encoded=\"true\">a%20b%01</Name></Blob></Blobs>"
        "<NextMarker>2!72!MDAwMDE2IWEveC5qc29uITAwMDAyOCE5OTk5LTEyLTMxVDIzOjU5OjU5Ljk5OTk5OTlaIQ--</NextMarker>"
        "</EnumerationResults>\n";
    struct xml_node *root = parse(doc);
    assert_string_equal(root->name, "EnumerationResults");
    assert_string_equal(xml_attr(root, "ContainerName"), "lake");
    assert_null(xml_attr(root, "Nope"));
    assert_string_equal(xml_child_text(root, "Prefix"), "a/");
    const struct xml_node *blobs = xml_child(root, "Blobs");
    const struct xml_node *b = blobs->children;
    assert_string_equal(b->name, "Blob");
    assert_string_equal(xml_child_text(b, "Name"), "a/x & y <1> \"q\" 's'.json");
    const struct xml_node *props = xml_child(b, "Properties");
    assert_string_equal(xml_child_text(props, "Content-Length"), "42");
    assert_string_equal(xml_child_text(props, "Content-Type"), "");
    const struct xml_node *md = xml_child(b, "Metadata");
    assert_string_equal(md->children->name, "start_offset");
    assert_string_equal(md->children->text, "7");
    assert_string_equal(md->children->next->text, "");
    b = b->next;
    assert_string_equal(b->name, "BlobPrefix");
    assert_string_equal(xml_child_text(b, "Name"), "a/\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80/");
    b = b->next;
    assert_string_equal(xml_attr(xml_child(b, "Name"), "Encoded"), "true");
    assert_string_equal(xml_child_text(b, "Name"), "a%20b%01");
    assert_null(b->next);
    assert_string_equal(xml_child_text(root, "NextMarker"),
                        "2!72!MDAwMDE2IWEveC5qc29uITAwMDAyOCE5OTk5LTEyLTMxVDIzOjU5OjU5Ljk5OTk5OTlaIQ--");
    assert_null(xml_child(root, "Nope"));
    assert_null(xml_child_text(root, "Nope"));
    xml_free(root);
}

static void test_error_body(void **state) {
    (void)state;
    struct xml_node *root =
        parse("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server "
              "failed to authenticate the request.\nRequestId:1\nTime:2026-12-02T04:50:56Z</Message>"
              "<AuthenticationErrorDetail><![CDATA[Signed expiry time [<x>] must be after]]> now"
              "</AuthenticationErrorDetail></Error>");
    assert_string_equal(xml_child_text(root, "Code"), "AuthenticationFailed");
    assert_contains(xml_child_text(root, "Message"), "\nRequestId:1");
    assert_string_equal(xml_child_text(root, "AuthenticationErrorDetail"),
                        "Signed expiry time [<x>] must be after now");
    xml_free(root);
}

static void bad(const char *doc, const char *want) {
    char err[256] = "";
    struct xml_node *root = xml_parse(doc, strlen(doc), err, sizeof err);
    if (root) {
        print_error("accepted: %s\n", doc);
        xml_free(root);
        fail();
    }
    assert_contains(err, "not XML at byte");
    assert_contains(err, want);
}

static void test_broken(void **state) {
    (void)state;
    bad("", "no root element");
    bad("just text", "no root element");
    bad("<a>", "ends inside an element");
    bad("<a><b></a>", "does not match");
    bad("<a></b>", "does not match");
    bad("<a>&unknown;</a>", "unknown entity");
    bad("<a>&#xD800;</a>", "character reference");
    bad("<a>&#0;</a>", "character reference");
    bad("<a>&#12</a>", "character reference");
    bad("<a x=1/>", "quoted attribute value");
    bad("<a x=\"1/>", "unterminated attribute value");
    bad("<a x/>", "'='");
    bad("<a><!-- never closed</a>", "unterminated comment");
    bad("<a><![CDATA[never closed</a>", "unterminated CDATA");
    bad("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "DTD");
    bad("<a/><b/>", "after the root element");
    bad("<a></a>trailing", "after the root element");
    bad("< a/>", "a name expected");
    /* a NUL inside the document */
    char err[256];
    assert_null(xml_parse("<a>x\0y</a>", 10, err, sizeof err));
    assert_contains(err, "NUL");
    /* nested too deep */
    char deep[2000] = "";
    for (int i = 0; i < 100; i++)
        strcat(deep, "<a>");
    bad(deep, "nested too deep");
}

/* Only len bytes are read: a document need not end with a NUL. */
static void test_length_bound(void **state) {
    (void)state;
    const char doc[] = "<a>xy</a>garbage";
    char err[256];
    struct xml_node *root = xml_parse(doc, 9, err, sizeof err);
    assert_non_null(root);
    assert_string_equal(root->text, "xy");
    xml_free(root);
    assert_null(xml_parse(doc, 7, err, sizeof err));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_page),
        cmocka_unit_test(test_error_body),
        cmocka_unit_test(test_broken),
        cmocka_unit_test(test_length_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Naming rules for generated C: snake_case type names, member mangling,
 * doc comment text. */
#include <ctype.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "k8sgen.h"

char *arena_printf(k8s_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = k8s_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* "APIService" -> "api_service", "PodIP" -> "pod_ip", "FieldsV1" -> "fields_v1":
 * a word starts at an upper-case letter after a lower-case letter or digit,
 * or at the last capital of an acronym that a lower-case letter follows. */
const char *snake_case(k8s_arena *a, const char *camel)
{
    size_t n = strlen(camel);
    char *out = k8s_arena_alloc(a, n * 2 + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)camel[i];
        if (isupper(c) && i > 0) {
            unsigned char prev = (unsigned char)camel[i - 1], next = (unsigned char)camel[i + 1];
            if (islower(prev) || isdigit(prev) || (isupper(prev) && islower(next)))
                *o++ = '_';
        }
        *o++ = isalnum(c) ? (char)tolower(c) : '_';
    }
    *o = '\0';
    return out;
}

/* C and C++ keywords (and C's bool/true/false macros): generated headers
 * must compile in both languages. */
static const char *const keywords[] = {
    "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
    "_Static_assert", "_Thread_local", "alignas", "alignof", "and", "and_eq", "asm", "auto",
    "bitand", "bitor", "bool", "break", "case", "catch", "char", "char16_t", "char32_t", "char8_t",
    "class", "co_await", "co_return", "co_yield", "compl", "concept", "const", "const_cast",
    "consteval", "constexpr", "constinit", "continue", "decltype", "default", "delete", "do",
    "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float",
    "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new",
    "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected",
    "public", "register", "reinterpret_cast", "requires", "restrict", "return", "short", "signed",
    "sizeof", "static", "static_assert", "static_cast", "struct", "switch", "template", "this",
    "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned",
    "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
};

/* Object-like macros that compilers or system headers define, which would
 * break a member of that name: GNU C modes predefine linux and unix; musl's
 * stdio.h defines stdin as (stdin). */
static const char *const macros[] = {"errno", "linux", "stderr", "stdin", "stdout", "unix"};

static bool is_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(name, keywords[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
        if (strcmp(name, macros[i]) == 0)
            return true;
    return false;
}

/* The JSON name, with characters a C identifier cannot hold turned into
 * '_' ("$ref" -> "_ref", "x-kubernetes-map-type" -> "x_kubernetes_map_type")
 * and a trailing '_' on keywords and macro names ("namespace" -> "namespace_",
 * "linux" -> "linux_"). */
const char *member_name(k8s_arena *a, const char *json)
{
    size_t n = strlen(json);
    char *out = k8s_arena_alloc(a, n + 3), *o = out;
    if (isdigit((unsigned char)json[0]) || n == 0)
        *o++ = '_';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)json[i];
        *o++ = isalnum(c) || c == '_' ? (char)c : '_';
    }
    *o = '\0';
    if (is_reserved(out)) {
        *o++ = '_';
        *o = '\0';
    }
    return out;
}

/* The first sentence of a description, on one line, safe inside a C
 * comment, cut at a word near 160 characters. */
const char *first_sentence(k8s_arena *a, const char *d)
{
    if (!d || !*d)
        return NULL;
    size_t n = 0, len = strlen(d);
    while (n < len) {
        if (d[n] == '\n' && n + 1 < len && d[n + 1] == '\n')
            break;
        if (d[n] == '.' && (n + 1 == len || d[n + 1] == ' ' || d[n + 1] == '\n')) {
            n++;
            break;
        }
        n++;
    }
    bool cut = false;
    if (n > 160) {
        n = 160;
        while (n > 80 && d[n] != ' ')
            n--;
        cut = true;
    }
    char *out = k8s_arena_alloc(a, 2 * n + 4), *o = out;
    for (size_t i = 0; i < n; i++) {
        char c = d[i];
        if (c == '\n' || c == '\t' || c == '\r')
            c = ' ';
        if (c == '/' && o > out && o[-1] == '*')
            *o++ = ' '; /* never end the comment early */
        if (c == '*' && o > out && o[-1] == '/')
            *o++ = ' ';
        if (c == ' ' && o > out && o[-1] == ' ')
            continue;
        *o++ = c;
    }
    while (o > out && o[-1] == ' ')
        o--;
    if (cut) {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o = '\0';
    return out;
}

/* Where a sentence of a description may start: its beginning, a line
 * break, or after ". ", "! ", "? ". */
static bool sentence_start(const char *d, const char *p)
{
    if (p == d || p[-1] == '\n')
        return true;
    const char *q = p;
    while (q > d && (q[-1] == ' ' || q[-1] == '\t'))
        q--;
    return q < p && q > d && (q[-1] == '.' || q[-1] == '!' || q[-1] == '?' || q[-1] == '\n');
}

/* The rule for deprecation marks. Kubernetes says a type, field or operation
 * is deprecated in its description, the way Go doc comments do: a sentence
 * that starts with the word "Deprecated" or "DEPRECATED" ("Deprecated: use
 * serviceAccountName instead.", "DEPRECATED: GitRepo is deprecated.",
 * "Deprecated. Not all kubelets will set this field."), or, in a few fields,
 * "This field is deprecated" / "This API is deprecated". The spec has no
 * other marker (Swagger's `deprecated` and the x-kubernetes-* extensions are
 * not used for it). Descriptions that only mention the deprecation of
 * something else are not marks: "Recycle (deprecated)", "the annotation is
 * deprecated since v1.32", "deprecatedCount is the deprecated field assuring
 * backward compatibility", "DeprecatedServiceAccount is an alias". Returns
 * the notice (that sentence and the rest of its paragraph, on one line, cut
 * near 200 characters), or NULL when the description marks nothing. */
const char *deprecation_notice(k8s_arena *a, const char *d)
{
    if (!d)
        return NULL;
    static const char *const starts[] = {"Deprecated", "DEPRECATED", "This field is deprecated",
                                         "This API is deprecated"};
    const char *hit = NULL;
    for (const char *p = d; *p && !hit; p++) {
        if (!sentence_start(d, p))
            continue;
        for (size_t i = 0; i < sizeof starts / sizeof starts[0] && !hit; i++) {
            size_t n = strlen(starts[i]);
            if (strncmp(p, starts[i], n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_')
                hit = p;
        }
    }
    if (!hit)
        return NULL;
    const char *end = strstr(hit, "\n\n");
    size_t len = end ? (size_t)(end - hit) : strlen(hit);
    if (len > 200) { /* the last sentence end before 200, or a word boundary */
        size_t cut = 0;
        for (size_t i = 0; i < 200; i++)
            if (hit[i] == '.' && (hit[i + 1] == ' ' || hit[i + 1] == '\n'))
                cut = i + 1;
        if (cut < 40) {
            cut = 200;
            while (cut > 40 && hit[cut] != ' ')
                cut--;
        }
        len = cut;
    }
    char *out = k8s_arena_alloc(a, len + 4), *o = out;
    for (size_t i = 0; i < len; i++) {
        char c = hit[i] == '\n' || hit[i] == '\t' || hit[i] == '\r' ? ' ' : hit[i];
        if (c == ' ' && (o == out || o[-1] == ' '))
            continue;
        *o++ = c;
    }
    while (o > out && o[-1] == ' ')
        o--;
    if (len < (end ? (size_t)(end - hit) : strlen(hit)) && o > out && o[-1] != '.') {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o = '\0';
    return out;
}

/* s as a C string literal: quotes, backslashes and "??" (a trigraph in
 * strict C modes) escaped, control characters as octal escapes. */
const char *c_string(k8s_arena *a, const char *s)
{
    size_t n = strlen(s);
    char *out = k8s_arena_alloc(a, 4 * n + 3), *o = out;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            o += sprintf(o, "\\%03o", c);
            continue;
        }
        if (c == '"' || c == '\\' || (c == '?' && i && s[i - 1] == '?'))
            *o++ = '\\';
        *o++ = (char)c;
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* Appends n bytes of a description to b, so that they cannot end the
 * comment early or start a nested one. */
static void append_comment_text(k8s_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i] == '\t' ? ' ' : s[i];
        k8s_buf_append(b, &c, 1);
        if ((c == '*' && i + 1 < n && s[i + 1] == '/') || (c == '/' && i + 1 < n && s[i + 1] == '*'))
            k8s_buf_append(b, " ", 1);
    }
}

/* Ends a comment line and starts the next: indent spaces and " *". */
static void comment_break(k8s_buf *b, int indent)
{
    k8s_buf_append_str(b, "\n");
    for (int i = 0; i < indent; i++)
        k8s_buf_append_str(b, " ");
    k8s_buf_append_str(b, " *");
}

const char *doc_comment(k8s_arena *a, const char *d, int indent)
{
    const int width = 100 - 3; /* room for the comment's closing characters */
    if (!d || !*d)
        return NULL;
    k8s_buf b = K8S_BUF_INIT;
    k8s_buf_append_str(&b, "/**");
    int col = indent + 3;
    bool started = false, paragraph = false;
    for (const char *line = d; *line;) {
        size_t len = strcspn(line, "\n");
        const char *next = line[len] ? line + len + 1 : line + len;
        while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
            len--;
        if (!len) { /* paragraph breaks are kept, once each, never first */
            paragraph = started;
            line = next;
            continue;
        }
        if (started) {
            if (paragraph)
                comment_break(&b, indent);
            comment_break(&b, indent);
            col = indent + 2;
        }
        size_t i = 0;
        while (i < len && line[i] == ' ')
            i++;
        int sep = i ? (int)i : 1; /* a line's own indentation (lists) is kept */
        for (bool first = true; i < len; first = false) {
            size_t w = i;
            while (w < len && line[w] != ' ')
                w++;
            if (!first && col + 1 + (int)(w - i) > width) { /* a longer word stands alone */
                comment_break(&b, indent);
                col = indent + 2;
            }
            for (int k = 0; k < sep; k++)
                k8s_buf_append_str(&b, " ");
            append_comment_text(&b, line + i, w - i);
            col += sep + (int)(w - i);
            sep = 1;
            for (i = w; i < len && line[i] == ' ';)
                i++;
        }
        started = true;
        paragraph = false;
        line = next;
    }
    k8s_buf_append_str(&b, " */");
    const char *out = k8s_arena_strdup(a, b.data);
    k8s_buf_free(&b);
    return out;
}

/* A typed list decoded as its bytes arrive; see list_stream_internal.h.
 *
 * The splitter follows only what it needs of the JSON: strings (so brackets
 * inside them do not count), nesting depth, and at depth 1 a '[' that opens
 * the member "items". From there each element's text, from its first byte
 * to the ',' or ']' that ends it at depth 2, goes to the typed decoder on
 * its own (straight from the chunk when it lies in one, else from `part`).
 * Everything else is the shell, decoded whole at the end. */
#include <stdint.h>
#include <string.h>

#include "list_stream_internal.h"

/* 1 for the bytes the splitter looks at outside strings */
static const unsigned char structural[256] = {['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1,
                                              [']'] = 1, [','] = 1, ['\n'] = 1};
/* and inside strings */
static const unsigned char in_str[256] = {['"'] = 1, ['\\'] = 1, ['\n'] = 1};
static const unsigned char is_ws[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

static const k8s_path items_path = {NULL, "items", 5, 0};

void k8s_list_stream_init(k8s_list_stream *s, const k8s_type *list_type, k8s_arena *arena,
                          k8s_decode_cache *cache)
{
    memset(s, 0, sizeof *s);
    s->list_type = list_type;
    s->arena = arena;
    s->cache = cache;
    s->line = 1;
    s->items_cut = SIZE_MAX;
    const k8s_field *f = k8s_type_field(list_type, "items", 5);
    if (f && (f->flags & K8S_FIELD_ARRAY) && f->kind == K8S_KIND_OBJECT && f->type &&
        !(f->type->flags & K8S_TYPE_UNION))
        s->items = f;
}

void k8s_list_stream_clear(k8s_list_stream *s)
{
    k8s_buf_free(&s->shell);
    k8s_buf_free(&s->part);
    k8s_buf_free(&s->structs);
    k8s_list_stream_init(s, s->list_type, s->arena, s->cache);
}

const char *k8s_list_stream_text(const k8s_list_stream *s, size_t *len)
{
    *len = s->shell.len;
    return s->shell.data ? s->shell.data : "";
}

/* Moves an error found in a piece of the body (an item, or the shell after
 * the cut) to where it is in the whole body. */
static void place(k8s_error *err, size_t offset, unsigned line, size_t column)
{
    if (err->line == 1)
        err->column += (unsigned)column - 1;
    if (err->line)
        err->line += line - 1;
    err->offset += offset;
}

/* Does the shell end with a key "items", its colon and a '['? */
static bool items_key_ends(const k8s_buf *shell)
{
    const char *b = shell->data, *p = b + shell->len - 1; /* before the '[' */
    while (p > b && is_ws[(unsigned char)p[-1]])
        p--;
    if (p == b || *--p != ':')
        return false;
    while (p > b && is_ws[(unsigned char)p[-1]])
        p--;
    if (p - b < 7 || memcmp(p - 7, "\"items\"", 7) != 0)
        return false;
    p -= 7;
    while (p > b && is_ws[(unsigned char)p[-1]])
        p--;
    return p > b && (p[-1] == '{' || p[-1] == ',');
}

static k8s_code item_done(k8s_list_stream *s, const char *text, size_t len, k8s_error *err)
{
    while (len && is_ws[(unsigned char)text[len - 1]])
        len--;
    if (s->rc)
        return s->rc; /* after a failure items are only passed over */
    size_t size = s->items->type->size;
    k8s_code rc = k8s_buf_reserve(&s->structs, size);
    if (rc) {
        k8s_error_set(err, rc, &items_path, NULL, NULL, "out of memory");
        return s->rc = rc;
    }
    char *obj = s->structs.data + s->nitems * size;
    memset(obj, 0, size);
    k8s_path at = {&items_path, NULL, 0, s->nitems};
    rc = k8s_json_decode_at(s->items->type, text, len, s->arena, obj, &at, s->cache, err);
    if (rc) {
        place(err, s->item_offset, s->item_line, s->item_column);
        return s->rc = rc;
    }
    s->nitems++;
    s->structs.len += size;
    return K8S_OK;
}

static k8s_code shell_add(k8s_list_stream *s, const char *from, const char *to, k8s_error *err)
{
    if (from < to && k8s_buf_append(&s->shell, from, (size_t)(to - from))) {
        k8s_error_set(err, K8S_ENOMEM, NULL, NULL, NULL, "out of memory");
        return s->rc = K8S_ENOMEM;
    }
    return K8S_OK;
}

/* The element arriving ends before p: decode part + [run, p). */
static k8s_code element_ends(k8s_list_stream *s, const char *run, const char *p, k8s_error *err)
{
    k8s_code rc;
    s->in_item = false;
    if (s->part.len) {
        if (k8s_buf_append(&s->part, run, (size_t)(p - run))) {
            k8s_error_set(err, K8S_ENOMEM, NULL, NULL, NULL, "out of memory");
            return s->rc = K8S_ENOMEM;
        }
        rc = item_done(s, s->part.data, s->part.len, err);
        s->part.len = 0;
    } else {
        rc = item_done(s, run, (size_t)(p - run), err);
    }
    return rc;
}

/* The items' ']' is at body offset `at`. */
static void end_items(k8s_list_stream *s, size_t at)
{
    s->in_items = false;
    s->depth--;
    s->items_removed = at - s->items_start;
    s->end_line = s->line;
    s->end_column = at - s->line_start + 1;
}

static void start_element(k8s_list_stream *s, size_t offset)
{
    s->in_item = true;
    s->item_offset = offset;
    s->item_line = s->line;
    s->item_column = offset - s->line_start + 1;
}

k8s_code k8s_list_stream_feed(k8s_list_stream *s, const char *bytes, size_t n)
{
    k8s_error *err = &s->err;
    const char *p = bytes, *end = bytes + n;
    const char *run = p; /* the bytes not yet given to the shell or the element */
    size_t base = s->offset;
    if (s->rc) {
        s->offset += n;
        return s->rc == K8S_ENOMEM ? s->rc : K8S_OK;
    }
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n') {
            s->line++;
            s->line_start = base + (size_t)(p - bytes) + 1;
        }
        if (s->in_string) {
            if (s->escaped) {
                s->escaped = false;
            } else if (c == '\\') {
                s->escaped = true;
            } else if (c == '"') {
                s->in_string = false;
            } else { /* a plain run */
                while (p + 1 < end && !in_str[(unsigned char)p[1]])
                    p++;
            }
            continue;
        }
        if (s->in_items && !s->in_item) { /* between elements */
            if (is_ws[c])
                continue;
            size_t at = base + (size_t)(p - bytes);
            if (s->need_sep) {
                s->need_sep = false;
                if (c == ',') {
                    s->after_comma = true;
                } else if (c == ']') {
                    end_items(s, at);
                    run = p;
                } else {
                    if (c >= 0x20 && c < 0x7F)
                        k8s_error_set(err, K8S_ESYNTAX, &items_path, NULL, NULL, "expected ',' or ']', found '%c'", c);
                    else
                        k8s_error_set(err, K8S_ESYNTAX, &items_path, NULL, NULL,
                                      "expected ',' or ']', found byte 0x%02X", c);
                    err->offset = at;
                    err->line = s->line;
                    err->column = (unsigned)(at - s->line_start + 1);
                    s->rc = K8S_ESYNTAX;
                    break;
                }
                continue;
            }
            if (c == ']' && !s->after_comma) { /* "[]" */
                end_items(s, at);
                run = p;
                continue;
            }
            start_element(s, at);
            s->after_comma = false;
            run = p;
            if (c == ',' || c == ']') { /* no element before it: the decoder says so */
                element_ends(s, p, p + 1, err); /* "expected an object, got ..." */
                break;
            }
            /* and c is the element's first byte */
        }
        if (!structural[c])
            continue;
        switch (c) {
        case '"':
            s->in_string = true;
            break;
        case '{':
            s->depth++;
            break;
        case '[':
            if (s->depth == 1 && s->items && s->items_cut == SIZE_MAX) {
                if (shell_add(s, run, p + 1, err))
                    return s->rc;
                run = p + 1;
                if (items_key_ends(&s->shell)) {
                    s->in_items = true;
                    s->after_comma = s->need_sep = false;
                    s->items_cut = s->shell.len;
                    s->items_start = base + (size_t)(p + 1 - bytes);
                }
            }
            s->depth++;
            break;
        case ',':
        case ']':
        case '}':
            if (s->in_item && s->depth == 2 && c != '}') { /* a scalar element ends */
                element_ends(s, run, p, err);
                if (c == ',') {
                    s->after_comma = true;
                    run = p + 1;
                } else {
                    end_items(s, base + (size_t)(p - bytes));
                    run = p;
                }
            } else if (c != ',' && --s->depth == 2 && s->in_item) { /* an object or array element ends */
                element_ends(s, run, p + 1, err);
                s->need_sep = true;
                run = p + 1;
            }
            break;
        }
        if (s->rc)
            break;
    }
    if (s->rc) { /* the call fails: the rest is passed over */
        s->offset += n;
        return s->rc == K8S_ENOMEM ? s->rc : K8S_OK;
    }
    /* the rest of the chunk: to the element arriving, or to the shell */
    if (s->in_item) {
        if (k8s_buf_append(&s->part, run, (size_t)(end - run))) {
            k8s_error_set(err, K8S_ENOMEM, NULL, NULL, NULL, "out of memory");
            return s->rc = K8S_ENOMEM;
        }
    } else if (!s->in_items && shell_add(s, run, end, err)) {
        return s->rc;
    }
    s->offset += n;
    return s->rc == K8S_ENOMEM ? s->rc : K8S_OK;
}

/* Where shell offset o (after the cut) is in the body. */
static void place_after_cut(const k8s_list_stream *s, k8s_error *err)
{
    size_t o = err->offset;
    const char *sh = s->shell.data;
    size_t nl = 0, last_nl = SIZE_MAX;
    for (size_t i = s->items_cut; i < o && i < s->shell.len; i++)
        if (sh[i] == '\n') {
            nl++;
            last_nl = i;
        }
    err->offset = o + s->items_removed;
    if (!nl) {
        err->line = s->end_line;
        err->column = (unsigned)(s->end_column + (o - s->items_cut));
    } else {
        err->line = s->end_line + (unsigned)nl;
        err->column = (unsigned)(o - last_nl);
    }
}

/* A problem in the list's members before the items comes first, as it
 * would in one piece: the shell up to the cut, closed, decoded. */
static k8s_code earlier_problem(k8s_list_stream *s, k8s_error *err)
{
    k8s_buf head = K8S_BUF_INIT;
    k8s_code rc = K8S_OK;
    k8s_error e;
    void *out;
    if (k8s_buf_append(&head, s->shell.data, s->items_cut) || k8s_buf_append_str(&head, "]}"))
        rc = K8S_ENOMEM;
    else if ((rc = k8s_json_decode(s->list_type, head.data, head.len, s->arena, &out, NULL, &e)) &&
             e.offset < s->items_cut) {
        if (err)
            *err = e;
    } else {
        rc = K8S_OK;
    }
    k8s_buf_free(&head);
    return rc;
}

k8s_code k8s_list_stream_end(k8s_list_stream *s, void **list, k8s_error *err)
{
    *list = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    if (s->rc && err)
        *err = s->err; /* the feed's failure, unless an earlier one is found */
    if (s->rc == K8S_ENOMEM)
        return s->rc;
    bool cut = s->items_cut != SIZE_MAX;
    if (s->rc || s->in_items) { /* an element failed, or the body ends among them */
        k8s_code rc = earlier_problem(s, err);
        if (rc)
            return rc;
        if (s->rc)
            return s->rc;
        if (s->in_item) { /* inside an element: the decoder says where */
            rc = item_done(s, s->part.data ? s->part.data : "", s->part.len, &s->err);
            if (err)
                *err = s->err;
            return rc;
        }
        k8s_path next = {&items_path, NULL, 0, s->nitems};
        k8s_error_set(err, K8S_ESYNTAX, s->need_sep ? &items_path : &next, NULL, NULL, "unexpected end of input");
        if (err) {
            err->offset = s->offset;
            err->line = s->line;
            err->column = (unsigned)(s->offset - s->line_start + 1);
        }
        return K8S_ESYNTAX;
    }
    k8s_error shell_err;
    void *out;
    size_t len;
    const char *text = k8s_list_stream_text(s, &len);
    k8s_code rc = k8s_json_decode(s->list_type, text, len, s->arena, &out, NULL, &shell_err);
    if (rc) {
        if (cut && shell_err.offset >= s->items_cut)
            place_after_cut(s, &shell_err);
        if (err)
            *err = shell_err;
        return rc;
    }
    if (cut) {
        void *items = K8S_EMPTY;
        if (s->nitems) { /* the array the items were decoded into becomes the arena's: no copy beside it */
            if (!k8s_arena_adopt(s->arena, s->structs.data, s->structs.cap)) {
                k8s_error_set(err, K8S_ENOMEM, NULL, NULL, NULL, "out of memory");
                return K8S_ENOMEM;
            }
            items = s->structs.data;
            s->structs = (k8s_buf)K8S_BUF_INIT;
        }
        *(void **)((char *)out + s->items->offset) = items;
        *(size_t *)((char *)out + s->items->aux) = s->nitems;
    }
    *list = out;
    return K8S_OK;
}

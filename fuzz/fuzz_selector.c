/* Label selectors (k8s/selector.h): parse, then match.
 *
 * Input: NUL-separated pieces: the selector text, then label keys and
 * values alternately. Checks: a parse error points inside the text
 * (offset, column = offset + 1) and says what was expected; a selector
 * without requirements matches every label set. */
#include <string.h>

#include "fuzz.h"
#include "k8s/selector.h"

#define MAX_LABELS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);

    k8s_string_entry labels[MAX_LABELS];
    size_t n = 0;
    for (char *p = text + strlen(text); p < text + size && n < MAX_LABELS;) {
        labels[n].key = ++p;
        p += strlen(p);
        labels[n].value = p < text + size ? ++p : (char *)"";
        p += strlen(p);
        n++;
    }

    k8s_arena *arena = k8s_arena_new();
    FUZZ_CHECK(arena, "out of memory");
    k8s_selector *sel = NULL;
    k8s_error err = {0};
    k8s_code rc = k8s_selector_parse(text, arena, &sel, &err);
    if (rc == K8S_OK) {
        FUZZ_CHECK(sel, "parsed, but no selector");
        bool all = k8s_selector_match(sel, labels, n);
        FUZZ_CHECK(!k8s_selector_empty(sel) || all, "an empty selector refused a label set");
        FUZZ_CHECK(k8s_selector_match(sel, NULL, 0) == k8s_selector_match(sel, labels, 0),
                   "no labels: NULL and an empty array differ");
    } else {
        size_t len = strlen(text);
        FUZZ_CHECK(rc == K8S_EINVAL && err.code == rc, "parse: %s", k8s_strerror(rc));
        FUZZ_CHECK(err.offset <= len && err.column == err.offset + 1,
                   "error at offset %zu, column %u, in %zu bytes", err.offset, err.column, len);
        FUZZ_CHECK(err.message[0], "an error without a message");
    }
    k8s_arena_free(arena);
    free(text);
    return 0;
}

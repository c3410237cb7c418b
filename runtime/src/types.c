/* Field lookup and the descriptors of the runtime's built-in types. */
#include <string.h>

#include "internal.h"

char k8s_empty_[1];

const k8s_field *k8s_type_field(const k8s_type *t, const char *name, size_t len)
{
    if (!t->index) { /* hand-written descriptors: a few fields, searched in order */
        for (uint16_t i = 0; i < t->nfields; i++)
            if (t->fields[i].name_len == len && k8s_same_bytes(t->fields[i].name, name, len))
                return &t->fields[i];
        return NULL;
    }
    uint32_t h = k8s_field_hash(name, len) & t->index_mask;
    for (;;) {
        uint8_t slot = t->index[h];
        if (!slot)
            return NULL;
        const k8s_field *f = &t->fields[slot - 1];
        if (f->name_len == len && k8s_same_bytes(f->name, name, len))
            return f;
        h = (h + 1) & t->index_mask;
    }
}

/* Hand-made twins of what the generator writes. Unions and map entries are
 * never looked up by name, so their index is empty. */
static const uint8_t no_index[1] = {0};

static const k8s_field int_or_string_fields[] = {
    K8S_SCALAR(k8s_int_or_string, intVal, "intVal", K8S_KIND_INT32, 0),
    K8S_VALUE(k8s_int_or_string, strVal, "strVal", K8S_KIND_STRING, 0, NULL),
};

const k8s_type k8s_int_or_string_desc = {
    .name = "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    .fields = int_or_string_fields,
    .index = no_index,
    .size = sizeof(k8s_int_or_string),
    .nfields = 2,
    .flags = K8S_TYPE_UNION,
};

#define ENTRY_TYPE(var, S, kind, title)                                          \
    static const k8s_field var##_fields[] = {                                      \
        K8S_VALUE(S, key, "key", K8S_KIND_STRING, 0, NULL),                        \
        K8S_VALUE(S, value, "value", kind, 0, NULL),                               \
    };                                                                             \
    const k8s_type var = {.name = title, .fields = var##_fields, .index = no_index, \
                          .size = sizeof(S), .nfields = 2}

ENTRY_TYPE(k8s_string_entry_desc, k8s_string_entry, K8S_KIND_STRING, "map of string");
ENTRY_TYPE(k8s_quantity_entry_desc, k8s_string_entry, K8S_KIND_QUANTITY, "map of Quantity");
ENTRY_TYPE(k8s_time_entry_desc, k8s_string_entry, K8S_KIND_TIME, "map of Time");
ENTRY_TYPE(k8s_json_entry_desc, k8s_string_entry, K8S_KIND_JSON, "map of JSON");
ENTRY_TYPE(k8s_bytes_entry_desc, k8s_bytes_entry, K8S_KIND_BYTES, "map of bytes");

static const k8s_field string_list_entry_fields[] = {
    K8S_VALUE(k8s_string_list_entry, key, "key", K8S_KIND_STRING, 0, NULL),
    K8S_ARRAY(k8s_string_list_entry, value, "value", K8S_KIND_STRING, 0, NULL),
};

const k8s_type k8s_string_list_entry_desc = {
    .name = "map of string arrays",
    .fields = string_list_entry_fields,
    .index = no_index,
    .size = sizeof(k8s_string_list_entry),
    .nfields = 2,
};

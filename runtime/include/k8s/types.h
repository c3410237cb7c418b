/* Value types shared by all generated structs, and the descriptor tables that
 * let one generic codec read and write every Kubernetes type.
 *
 * Representation rules (the generated headers follow them everywhere):
 *   - A zero-filled struct is an empty object.
 *   - Strings, Quantity, Time, MicroTime and free-form JSON are `char *`;
 *     NULL means absent, "" is an empty string that is sent.
 *   - bool/int32/int64/double carry a presence flag: `bool has_x; T x;`.
 *   - A nested object is a pointer (NULL = absent).
 *   - An array is `T *x; size_t x_len;` with objects stored inline. NULL means
 *     absent; a non-NULL pointer with x_len == 0 is an empty array that is
 *     sent as []. K8S_EMPTY is a ready pointer for that.
 *   - A map is an array of {key, value} entries in document order
 *     (`k8s_string_entry *labels; size_t labels_len;`), absent/empty as arrays.
 *   - Unknown fields are kept, as one JSON object text, in `char *_unknown`
 *     and written back on encode.
 *   - Free-form JSON (RawExtension, JSON, FieldsV1) is compact JSON text.
 *   - format: byte fields hold the decoded bytes (k8s_bytes); the wire form
 *     is base64.
 *   - A field whose schema says `nullable: true` (custom resources) has a
 *     `bool null_<name>` too: true when the value is an explicit null, which
 *     is kept and written back (to the API server absent and null differ:
 *     only absent is defaulted).
 */
#ifndef K8S_TYPES_H
#define K8S_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Raw bytes of a `format: byte` field. data == NULL means absent. */
typedef struct k8s_bytes {
    uint8_t *data;
    size_t len;
} k8s_bytes;

/* util/intstr.IntOrString: exactly one member is set when present. */
typedef struct k8s_int_or_string {
    bool has_intVal;
    int32_t intVal;
    char *strVal;
} k8s_int_or_string;

/* Map entries. Maps of Quantity, Time and free-form JSON use
 * k8s_string_entry too (their values are text). */
typedef struct k8s_string_entry {
    char *key;
    char *value;
} k8s_string_entry;

typedef struct k8s_bytes_entry {
    char *key;
    k8s_bytes value;
} k8s_bytes_entry;

typedef struct k8s_string_list_entry {
    char *key;
    char **value;
    size_t value_len;
} k8s_string_list_entry;

/* Generated declarations that the spec marks deprecated carry
 * K8S_DEPRECATED("the spec's notice"), so using them warns at compile time
 * (-Wdeprecated-declarations). -DK8S_NO_DEPRECATION_WARNINGS turns the marks
 * off; generated sources define it, as their descriptor tables name every
 * field. Headers wrap their own uses of marked types in
 * K8S_DEPRECATIONS_BEGIN/END so only the user's uses warn. */
#if defined(K8S_NO_DEPRECATION_WARNINGS) || !defined(__GNUC__)
#define K8S_DEPRECATED(text)
#define K8S_DEPRECATIONS_BEGIN
#define K8S_DEPRECATIONS_END
#else
#define K8S_DEPRECATED(text) __attribute__((deprecated(text)))
#define K8S_DEPRECATIONS_BEGIN \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wdeprecated-declarations\"")
#define K8S_DEPRECATIONS_END _Pragma("GCC diagnostic pop")
#endif

/* A non-NULL pointer for empty arrays and maps (x = K8S_EMPTY; x_len = 0). */
extern char k8s_empty_[1];
#define K8S_EMPTY ((void *)k8s_empty_)

/* ---- Descriptors. Generated code fills these; the codec walks them. ---- */

typedef enum k8s_kind {
    K8S_KIND_STRING = 1, /* char * */
    K8S_KIND_BOOL,       /* bool */
    K8S_KIND_INT32,      /* int32_t */
    K8S_KIND_INT64,      /* int64_t */
    K8S_KIND_DOUBLE,     /* double */
    K8S_KIND_BYTES,      /* k8s_bytes; base64 on the wire */
    K8S_KIND_QUANTITY,   /* char *, exact text of a resource.Quantity */
    K8S_KIND_TIME,       /* char *, exact RFC 3339 text of a meta/v1 Time */
    K8S_KIND_MICROTIME,  /* char *, exact RFC 3339 text of a meta/v1 MicroTime */
    K8S_KIND_JSON,       /* char *, any JSON value as compact text */
    K8S_KIND_OBJECT,     /* struct: a pointer alone, inline in arrays and map entries */
    K8S_KIND_UNION,      /* struct, always inline: the member set depends on the JSON type */
    K8S_KIND_MAP         /* entries `E *x; size_t x_len`, E described by `type` */
} k8s_kind;

enum {
    K8S_FIELD_HAS = 1,      /* presence flag `bool has_<name>` at `aux` */
    K8S_FIELD_ARRAY = 2,    /* `T *x; size_t x_len` with the length at `aux` */
    K8S_FIELD_REQUIRED = 4, /* listed in the schema's `required` */
    K8S_FIELD_INLINE = 8,   /* an OBJECT stored inline, not by pointer (map entry values) */
    K8S_FIELD_NULLABLE = 16, /* null is a value, marked by `bool null_<name>` at null_at */
    /* What a structural schema says for server-side apply (trees made from
     * CRDs carry it; those made from the OpenAPI spec leave it out): */
    K8S_FIELD_LIST_ATOMIC = 32, /* x-kubernetes-list-type: atomic (replaced whole) */
    K8S_FIELD_LIST_SET = 64,    /* set: scalars, each at most once */
    K8S_FIELD_LIST_MAP = 96,    /* map: objects, one per value of their list_map_keys */
    K8S_FIELD_MAP_ATOMIC = 128  /* x-kubernetes-map-type: atomic (else granular) */
};
#define K8S_FIELD_LIST_TYPE 96 /* the bits of the list type */

typedef struct k8s_type k8s_type;

typedef struct k8s_field {
    const char *name;     /* JSON name */
    uint32_t offset;      /* of the value, or of the array/map pointer */
    uint32_t aux;         /* offset of has_<name> or <name>_len, by flags */
    uint16_t name_len;
    uint8_t kind;         /* k8s_kind */
    uint8_t flags;        /* K8S_FIELD_* */
    uint32_t null_at;     /* K8S_FIELD_NULLABLE: offset of `bool null_<name>` */
    const k8s_type *type; /* OBJECT, UNION: the struct; MAP: the entry */
    const char *const *list_map_keys; /* K8S_FIELD_LIST_MAP: the items' key fields, NULL-terminated */
} k8s_field;

enum {
    K8S_TYPE_UNION = 1,  /* the JSON value's type picks one member */
    K8S_TYPE_UNKNOWN = 2, /* keeps unknown fields in `char *_unknown` at unknown_offset */
    K8S_TYPE_PARTIAL = 4  /* a view of some fields: the decoder skips the others */
};

struct k8s_type {
    const char *name;       /* spec definition name, "io.k8s.api.core.v1.Pod" */
    const k8s_field *fields;
    const uint8_t *index;   /* open-addressing hash of field names: slot = field index + 1;
                               NULL: fields are searched in order */
    uint32_t size;          /* sizeof the struct */
    uint32_t unknown_offset;
    uint16_t nfields;
    uint16_t index_mask;    /* index has index_mask + 1 slots */
    uint16_t flags;         /* K8S_TYPE_* */
    /* The type of one kind (one x-kubernetes-group-version-kind): its
     * apiVersion and kind, which requests send when a body leaves them
     * empty. NULL for other types. */
    const char *api_version;
    const char *kind;
};

/* The hash that `index` tables are built with (the generator uses it too). */
static inline uint32_t k8s_field_hash(const char *s, size_t n)
{
    uint32_t h = (uint32_t)n * 0x9E3779B1u;
    if (n) {
        h ^= (uint8_t)s[0] * 0x85EBCA77u;
        h ^= (uint8_t)s[n - 1] * 0xC2B2AE3Du;
        h ^= (uint8_t)s[n / 2] * 0x27D4EB2Fu;
        h ^= (uint8_t)s[(n - 1) / 3] * 0x165667B1u;
    }
    return h ^ (h >> 15);
}

/* Finds a field by JSON name; NULL when the type has none of that name. */
const k8s_field *k8s_type_field(const k8s_type *type, const char *name, size_t len);

/* Builders for generated field tables (S = struct type, m = member). */
#define K8S_FIELD_(json, off, aux, kind, flags, type)                                          \
    K8S_FIELD_EX(json, off, aux, kind, flags, type, 0, NULL)
/* Every member: for nullable fields and list-map keys. */
#define K8S_FIELD_EX(json_, off_, aux_, kind_, flags_, type_, null_at_, keys_)                 \
    { .name = json_, .offset = (uint32_t)(off_), .aux = (uint32_t)(aux_),                       \
      .name_len = (uint16_t)(sizeof(json_) - 1), .kind = (uint8_t)(kind_), .flags = (uint8_t)(flags_), \
      .null_at = (uint32_t)(null_at_), .type = type_, .list_map_keys = keys_ }
/* A pointer or inline value: absent is NULL or all zero. */
#define K8S_VALUE(S, m, json, kind, flags, type) \
    K8S_FIELD_(json, offsetof(S, m), 0, kind, flags, type)
/* A scalar with its presence flag has_<m>. */
#define K8S_SCALAR(S, m, json, kind, flags) \
    K8S_FIELD_(json, offsetof(S, m), offsetof(S, has_##m), kind, (flags) | K8S_FIELD_HAS, NULL)
/* An array `T *m; size_t m_len`. */
#define K8S_ARRAY(S, m, json, kind, flags, type) \
    K8S_FIELD_(json, offsetof(S, m), offsetof(S, m##_len), kind, (flags) | K8S_FIELD_ARRAY, type)
/* A map `E *m; size_t m_len`, E described by entry. */
#define K8S_MAP(S, m, json, flags, entry) \
    K8S_FIELD_(json, offsetof(S, m), offsetof(S, m##_len), K8S_KIND_MAP, flags, entry)

/* Descriptors of the built-in types above. */
extern const k8s_type k8s_int_or_string_desc;
extern const k8s_type k8s_string_entry_desc;   /* map of string */
extern const k8s_type k8s_quantity_entry_desc; /* map of Quantity */
extern const k8s_type k8s_time_entry_desc;     /* map of Time */
extern const k8s_type k8s_json_entry_desc;     /* map of free-form JSON */
extern const k8s_type k8s_bytes_entry_desc;    /* map of base64 bytes */
extern const k8s_type k8s_string_list_entry_desc; /* map of string arrays */

#ifdef __cplusplus
}
#endif
#endif

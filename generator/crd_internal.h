/* Private to the CRD front end: crd.c (the CRDs, their kinds and
 * resources), crd_schema.c (schemas -> types) and crd_names.c (C names).
 * The state of one model build and what the three share. */
#ifndef K8SGEN_CRD_INTERNAL_H
#define K8SGEN_CRD_INTERNAL_H

#include "k8sgen.h"

/* A string-keyed hash map in the model's arena. */
typedef struct smap {
    const char **keys;
    void **vals;
    size_t cap, n;
} smap;

/* The value slot of key (added when insert), or NULL. */
void **smap_slot(k8s_arena *a, smap *m, const char *key, bool insert);
void *smap_get(smap *m, const char *key);

/* Where a schema node is: the property that leads to it (NULL for array
 * items and map values) below its parent, and the JSON path for messages. */
typedef struct at {
    const struct at *up;
    const char *prop;
    const char *where; /* ".spec.rules[*].matches" */
} at;

/* A struct whose fields are still to make (breadth first). */
typedef struct pending {
    gtype *t;
    const cJSON *node;
    const at *pos;
    bool resource;
} pending;

typedef struct builder {
    model *m;
    k8s_arena *a;
    const crd_options *opts;
    smap names;     /* file-scope C names taken */
    smap macros;    /* enum constant names taken */
    smap shapes;    /* scope + schema digest -> gtype, for identical schemas */
    smap externals; /* C name -> gtype of another tree */
    smap unions;    /* package id -> the C name of its int-or-string union */
    size_t cap_types;
    /* what is being read, for messages and scopes */
    const char *origin, *crd, *group, *version, *kind;
    gpkg *pkg;
    gtype *int_or_string;  /* of pkg, made when first needed */
    const char *kind_base; /* the kind's C name */
    pending *pending;
    size_t npending, cap_pending;
} builder;

static inline const cJSON *item(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static inline const char *str_at(const cJSON *obj, const char *key)
{
    const cJSON *v = item(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static inline bool true_at(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(item(obj, key));
}

/* crd.c */
/* Reports a problem of the CRD and version being read, at a schema path
 * (NULL: none), and counts it in the model's problems. */
__attribute__((format(printf, 3, 4))) void crd_problem(builder *b, const char *where, const char *fmt, ...);
gtype *crd_new_type(builder *b, const char *c_name, const char *def, role r);
/* A type of a built-in tree ("core/v1.PodTemplateSpec" or its OpenAPI
 * name), NULL when the name is malformed. */
gtype *crd_external_type(builder *b, const char *spec);
/* The package's x-kubernetes-int-or-string union. */
gtype *crd_int_or_string(builder *b);

/* crd_schema.c */
/* The struct of a kind's schema, and every type below it, named c_name. */
gtype *crd_kind_type(builder *b, const cJSON *schema, const char *c_name);

/* crd_names.c (README.md "Names") */
/* One word of a C name from a JSON name or kind. */
const char *crd_part(k8s_arena *a, const char *json);
/* Whether the names a type named base declares are all free; taking them. */
bool crd_names_free(builder *b, const char *base);
void crd_take_names(builder *b, const char *base);
/* wanted, or the first free of wanted_2, wanted_3, ... */
const char *crd_claim(builder *b, const char *wanted);
bool crd_claim_one(builder *b, const char *name);
/* The name of a new type at pos (the kind's name and the path's properties,
 * shortened), claimed. */
const char *crd_claim_path_name(builder *b, const at *pos, const char *suffix);
/* The word an enum value gives its constant. */
const char *crd_value_word(k8s_arena *a, const char *v);
/* Member names of t's fields; the names of its enum constants. */
void crd_name_members(builder *b, gtype *t);
void crd_name_consts(builder *b, gtype *t);

#endif

/* k8sgen: the model (IR) built from one OpenAPI spec, and the stages that
 * make and render it. Data flows spec -> model -> templates -> files. */
#ifndef K8SGEN_H
#define K8SGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "k8s/arena.h"
#include "k8s/buf.h"
#include "k8s/types.h"

typedef struct gtype gtype;
typedef struct gpkg gpkg;
typedef struct gres gres;

typedef struct gfield {
    const char *json;   /* JSON name */
    const char *member; /* C member name */
    const char *doc;    /* the description, or NULL */
    uint8_t kind;       /* k8s_kind */
    bool array;         /* for MAP: the value is an array */
    bool required;
    gtype *ref;         /* OBJECT/UNION (and MAP of them): the type */
    uint8_t value_kind; /* MAP: kind of the values */
} gfield;

typedef enum role {
    ROLE_OBJECT,  /* a generated struct */
    ROLE_UNION,   /* a generated struct whose member depends on the JSON type */
    ROLE_SCALAR,  /* a special definition stored as text (Quantity, Time, ...) */
    ROLE_BUILTIN  /* a runtime struct (IntOrString) */
} role;

typedef struct gvk {
    const char *group, *version, *kind;
} gvk;

struct gtype {
    const char *def;    /* definition name, "io.k8s.api.core.v1.Pod" */
    const char *name;   /* last segment, "Pod" */
    const char *c_name; /* "k8s_core_v1_pod"; for ROLE_BUILTIN the runtime's name */
    const char *doc;
    gpkg *pkg;
    role role;
    uint8_t scalar_kind; /* ROLE_SCALAR */
    gfield *fields;
    size_t nfields;
    gvk *gvks;
    size_t ngvks;
    bool map_value; /* some map holds it: emit an entry type */
    gres *resource; /* the REST resource whose kind it is, if any */
    int mark;       /* ordering state while emitting */
};

/* One operation of a resource: a typed function and its async twin. */
typedef struct gop {
    const char *fn;          /* "k8s_core_v1_pod_status_get" */
    const char *verb;        /* "K8S_VERB_GET" */
    const char *subresource; /* NULL, "status", ... */
    const char *options;     /* "k8s_get_options", ... */
    gtype *body;             /* typed request body, or NULL */
    bool text_body;          /* a patch: text */
    gtype *result;           /* NULL: a text reply */
    const char *result_kind;
    bool named, list_selector; /* takes a name; takes list options as selector (deletecollection) */
    const char *doc;         /* "PUT /apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale" */
} gop;

/* A REST resource (a plural under a group/version), with its operations. */
struct gres {
    const char *group, *version, *plural, *kind;
    bool namespaced;
    gtype *type, *list_type;
    const char *c_name; /* "k8s_core_v1_pod_resource" */
    gop *ops;
    size_t nops;
};

struct gpkg {
    const char *path;    /* "io.k8s.api.core.v1" */
    const char *group;   /* "core" */
    const char *version; /* "v1", or "" for an unversioned package */
    const char *id;      /* "core_v1": source name and C prefix stem */
    const char *header;  /* "k8s/core/v1.h": types, descriptors, resources */
    const char *api_header; /* "k8s/core/v1_api.h": the typed calls */
    gtype **types;       /* generated ones, by C name */
    size_t ntypes;
    gpkg **deps; /* packages whose types header the types header includes */
    size_t ndeps;
    gpkg **api_deps; /* and those the calls header includes (bodies, replies) */
    size_t napi_deps;
    gres **resources; /* whose kinds are in this package, by plural */
    size_t nresources;
};

typedef struct model {
    k8s_arena *arena;
    const char *spec_name;   /* file name, for messages */
    const char *sha256;      /* hex digest of the spec bytes */
    const char *k8s_version; /* "1.35" */
    gtype *types;            /* every definition, by definition name */
    size_t ntypes;
    gpkg *pkgs; /* by id */
    size_t npkgs;
    int problems; /* reported by model_problem */
} model;

/* spec.c: reads the spec and builds the model. Errors are printed to stderr
 * with the definition they concern; returns false on any. */
bool model_load(model *m, const char *spec_path, const char *k8s_version);

/* ops.c: resources and operations from the spec's paths. */
bool model_load_ops(model *m, const cJSON *root);
/* Reports a problem in the spec, prefixed with its name, and counts it in
 * m->problems. */
__attribute__((format(printf, 2, 3))) void model_problem(model *m, const char *fmt, ...);
/* The definition that claims group/version/kind, or NULL. */
gtype *model_type_for_gvk(const model *m, const char *group, const char *version, const char *kind);

/* names.c */
const char *snake_case(k8s_arena *a, const char *camel);
const char *member_name(k8s_arena *a, const char *json);
const char *first_sentence(k8s_arena *a, const char *description);
/* A description as a C comment block, wrapped to 100 columns with `indent`
 * spaces before each line; line breaks and paragraphs kept. NULL for none. */
const char *doc_comment(k8s_arena *a, const char *description, int indent);
char *arena_printf(k8s_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* overrides.c: the one place that knows about special definitions and
 * known mistakes in the upstream spec. */
typedef struct union_member {
    const char *name;
    uint8_t kind;
    bool array;
    const char *ref; /* definition name for OBJECT members */
} union_member;

typedef struct special_def {
    const char *def;
    role role;
    uint8_t scalar_kind;            /* ROLE_SCALAR */
    const char *c_name;             /* ROLE_BUILTIN: runtime type */
    const union_member *members;    /* ROLE_UNION, ends with {NULL} */
} special_def;

const special_def *override_special(const char *def);
/* Definitions to add when the spec lacks them, as a JSON object. */
const char *override_extra_definitions(void);
/* True when the spec marks def.property required but servers omit it. */
bool override_not_required(const char *def, const char *property);

/* render.c: a tiny mustache subset: {{name}}, {{#list}}..{{/list}},
 * {{^name}}..{{/name}}. A tag alone on its line takes the line with it. */
typedef struct tctx tctx;
tctx *tctx_new(k8s_arena *a, const tctx *parent);
void tctx_set(tctx *c, const char *key, const char *value);
void tctx_setf(tctx *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Appends an item to the list `key` and returns it (its parent is c). */
tctx *tctx_push(tctx *c, const char *key);
bool render(const char *template_name, const tctx *c, k8s_buf *out);

/* templates.c (made at build time from templates/): NULL when unknown. */
const char *template_text(const char *name);

/* emit.c: renders the tree into out_dir. */
bool emit_tree(const model *m, const char *out_dir);

#endif
